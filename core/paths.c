/* Installed layout or build tree. A program run from the build tree (its
 * /proc/self/exe lies under the build root meson baked in) uses the
 * plugins, data and policies of the tree it was built in, so tests and
 * `./quickstart run` need no install step. Packages build with the check
 * turned off (meson option uninstalled_paths=false). */
#include "paths.h"

#include <string.h>

static OccPaths paths;

static gboolean
running_from_build_tree (void)
{
  const char *root = OCC_BUILD_ROOT;
  if (root[0] == '\0')
    return FALSE;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe == NULL)
    return FALSE;
  gsize n = strlen (root);
  return strncmp (exe, root, n) == 0 && exe[n] == '/';
}

const OccPaths *
occ_paths_get (void)
{
  if (g_once_init_enter (&paths.daemon))
    {
      char *daemon;
      paths.uninstalled = running_from_build_tree ();
      if (paths.uninstalled)
        {
          paths.plugin_dir = g_build_filename (OCC_BUILD_ROOT, "plugins", NULL);
          paths.data_dir = g_build_filename (OCC_SOURCE_ROOT, "share", NULL);
          paths.prompt_dir = g_build_filename (OCC_BUILD_ROOT, "share", "prompts", NULL);
          paths.policy_dir = g_build_filename (OCC_SOURCE_ROOT, "policies", NULL);
          daemon = g_build_filename (OCC_BUILD_ROOT, "core", "omniccd", NULL);
        }
      else
        {
          paths.plugin_dir = g_strdup (OCC_PLUGINDIR);
          paths.data_dir = g_strdup (OCC_DATADIR);
          paths.prompt_dir = g_build_filename (OCC_DATADIR, "prompts", NULL);
          paths.policy_dir = g_build_filename (OCC_DATADIR, "policies", NULL);
          daemon = g_strdup (OCC_DAEMON_PATH);
        }
      paths.sysconf_dir = g_strdup (OCC_SYSCONFDIR);
      paths.state_dir = g_strdup (OCC_STATEDIR);
      paths.run_dir = g_strdup (OCC_RUNDIR);
      g_once_init_leave (&paths.daemon, daemon);
    }
  return &paths;
}
