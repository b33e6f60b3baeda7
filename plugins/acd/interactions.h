/* acd: the commands about the interactions the ACD holds (acd.enqueue,
 * acd.waiting); see interactions.c. */
#pragma once

#include "engine.h"
#include "persist.h"

#include <omnicc/omnicc.h>

G_BEGIN_DECLS

/* Registers acd.enqueue and acd.waiting for @plugin, over @engine
 * (@persist converts times to the wall clock). Main thread. */
gboolean acd_interaction_commands_add (OccPlugin *plugin, AcdEngine *engine, AcdPersist *persist,
                                       GError **error);

G_END_DECLS
