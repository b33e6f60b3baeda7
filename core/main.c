/* omniccd: the omnicc daemon. */
#include "commands.h"
#include "config.h"
#include "context.h"
#include "control.h"
#include "loader.h"
#include "log.h"

#include <glib-unix.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#define DEFAULT_CONFIG OCC_SYSCONFDIR "/omnicc.conf"

static gboolean
on_stop_signal (gpointer data)
{
  occ_context_stop (data, "signal received");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sighup (gpointer data)
{
  OccContext *ctx = data;
  sd_notify (0, "RELOADING=1");
  g_autoptr (GString) report = g_string_new (NULL);
  g_autoptr (GError) e = NULL;
  occ_context_reload (ctx, report, &e); /* both outcomes are logged */
  sd_notify (0, "READY=1");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_watchdog (gpointer data)
{
  (void) data;
  sd_notify (0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

/* --check-config: every file, every enabled plugin's file, then exit. */
static int
check_config (const char *path)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) config = occ_config_load (path, &e);
  if (config == NULL)
    {
      g_printerr ("%s\n", e->message);
      return 1;
    }
  g_autoptr (OccContext) ctx = occ_context_new (g_steal_pointer (&config));
  occ_loader_scan (ctx->loader, occ_config_get_plugin_path (ctx->config));
  int status = 0;
  const char *const *enabled = occ_config_get_enabled (ctx->config);
  for (guint i = 0; enabled[i]; i++)
    {
      OccPlugin *p = occ_loader_get (ctx->loader, enabled[i]);
      if (p == NULL)
        {
          g_printerr ("plugin %s is enabled but not found in the plugin path\n", enabled[i]);
          status = 1;
        }
      else if (p->state == OCC_PLUGIN_FAILED)
        {
          g_printerr ("plugin %s: %s\n", p->name, p->reason);
          status = 1;
        }
    }
  if (!occ_loader_check_configs (ctx->loader, ctx->config, &e))
    {
      g_printerr ("%s\n", e->message);
      status = 1;
    }
  if (status == 0)
    g_print ("%s: configuration is valid\n", occ_config_get_path (ctx->config));
  return status;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* glibc's fastbins are merged all at once when a large block is asked
   * for after a burst of small frees (a burst of calls or store results),
   * which kept the main loop busy for milliseconds; without them the
   * thread cache still serves small blocks fast. */
  mallopt (M_MXFAST, 0);
  /* a peer that goes away must be an error on that connection, not the
   * end of the daemon: libraries such as libldap write with write() */
  signal (SIGPIPE, SIG_IGN);
  g_autofree char *config_path = NULL;
  gboolean check = FALSE, version = FALSE;
  g_autofree char *log_level = NULL;
  const GOptionEntry entries[]
      = { { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
            "Configuration file (default " DEFAULT_CONFIG ")", "FILE" },
          { "check-config", 0, 0, G_OPTION_ARG_NONE, &check, "Validate the configuration and exit",
            NULL },
          { "log-level", 0, 0, G_OPTION_ARG_STRING, &log_level, "Override [core] log-level",
            "LEVEL" },
          { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
          G_OPTION_ENTRY_NULL };
  g_autoptr (GOptionContext) opts = g_option_context_new ("- the omnicc contact-center daemon");
  g_option_context_add_main_entries (opts, entries, NULL);
  g_autoptr (GError) e = NULL;
  if (!g_option_context_parse (opts, &argc, &argv, &e))
    {
      g_printerr ("omniccd: %s\n", e->message);
      return 2;
    }
  if (version)
    {
      g_print ("omniccd %s (plugin ABI %d.%d)\n", OCC_VERSION, OCC_PLUGIN_ABI_MAJOR,
               OCC_PLUGIN_ABI_MINOR);
      return 0;
    }
  GLogLevelFlags forced_level = 0;
  if (log_level && !occ_log_parse_level (log_level, &forced_level))
    {
      g_printerr ("omniccd: --log-level: “%s” is not one of error, critical, warning, message, "
                  "info, debug\n",
                  log_level);
      return 2;
    }
  if (config_path == NULL)
    config_path = g_strdup (DEFAULT_CONFIG);
  if (check)
    return check_config (config_path);

  g_autoptr (OccConfig) config = occ_config_load (config_path, &e);
  if (config == NULL)
    {
      g_printerr ("omniccd: %s\n", e->message);
      return 1;
    }
  occ_log_init (forced_level ? forced_level : occ_config_get_log_level (config));
  occ_log_set_override (forced_level);

  g_autoptr (OccContext) ctx = occ_context_new (g_steal_pointer (&config));
  if (!occ_control_listen (ctx->control, occ_config_get_control_socket (ctx->config),
                           occ_config_get_control_group (ctx->config), &e))
    {
      g_printerr ("omniccd: %s\n", e->message);
      return 1;
    }
  g_unix_signal_add (SIGTERM, on_stop_signal, ctx);
  g_unix_signal_add (SIGINT, on_stop_signal, ctx);
  g_unix_signal_add (SIGHUP, on_sighup, ctx);

  occ_loader_scan (ctx->loader, occ_config_get_plugin_path (ctx->config));
  occ_loader_load_enabled (ctx->loader, occ_config_get_enabled (ctx->config));
  occ_bus_publish (ctx->bus, NULL, OCC_EVENT_CORE_STARTED, g_variant_new ("(s)", OCC_VERSION),
                   NULL);

  guint64 watchdog_us = 0;
  if (sd_watchdog_enabled (0, &watchdog_us) > 0 && watchdog_us > 0)
    g_timeout_add ((guint) (watchdog_us / 2000), on_watchdog, NULL);
  sd_notifyf (0, "READY=1\nSTATUS=serving on %s", occ_config_get_control_socket (ctx->config));
  g_message ("omniccd %s ready; control socket %s", OCC_VERSION,
             occ_config_get_control_socket (ctx->config));

  g_main_loop_run (ctx->loop);
  g_message ("omniccd stopped");
  return ctx->exit_status;
}
