/* Where things are: the installed layout, or the build tree when a program
 * runs from it (tests, `./quickstart run`). */
#pragma once

#include <glib.h>

typedef struct {
  char *plugin_dir;  /* folder scanned for plugins */
  char *data_dir;    /* share/omnicc */
  char *prompt_dir;  /* the IVR's generated prompts: DATADIR/prompts, or the build's */
  char *policy_dir;  /* shipped default policies */
  char *sysconf_dir; /* /etc/omnicc */
  char *state_dir;   /* /var/lib/omnicc */
  char *run_dir;     /* /run/omnicc */
  char *daemon;      /* the omniccd executable */
  gboolean uninstalled;
} OccPaths;

/* Computed once per process; transfer none. */
const OccPaths *occ_paths_get (void);
