/* records: demo data for `omnicc run` and for trying the records commands. */
#pragma once

#include "records-private.h"

G_BEGIN_DECLS

/* records.seed-demo (args: customers, default 20; interactions-per-customer,
 * default 5): customers "demo-customer-0001"… with numbers in Côte d'Ivoire
 * (+225 07 …, some also +225 05 …) and their interactions
 * "demo-interaction-0001-01"…, written with the same checks and upserts as
 * put(), one transaction per customer, so running it again changes no
 * count. */
void rec_cmd_seed_demo (OccControlCall *call, GVariant *args, gpointer data);

G_END_DECLS
