/* The context: creation, teardown, and the daemon's graceful stop and
 * configuration reload. */
#include "context.h"
#include "bus-private.h"
#include "commands.h"
#include "config.h"
#include "control.h"
#include "loader.h"
#include "registry.h"

#include <systemd/sd-daemon.h>

OccContext *
occ_context_new (OccConfig *config)
{
  OccContext *ctx = g_new0 (OccContext, 1);
  ctx->config = config ? config : occ_config_load (NULL, NULL);
  ctx->bus = occ_bus_new ();
  occ_bus_register_standard_types (ctx->bus);
  ctx->registry = occ_registry_new (ctx->bus);
  ctx->control = occ_control_new (ctx);
  ctx->loader = occ_loader_new (ctx);
  occ_commands_register (ctx);
  ctx->loop = g_main_loop_new (NULL, FALSE);
  ctx->started_at = g_get_monotonic_time ();
  return ctx;
}

void
occ_context_free (OccContext *ctx)
{
  if (ctx == NULL)
    return;
  if (ctx->drain_source)
    g_source_remove (ctx->drain_source);
  occ_loader_free (ctx->loader);
  ctx->loader = NULL;
  occ_bus_flush (ctx->bus);
  occ_control_free (ctx->control);
  ctx->control = NULL;
  occ_registry_free (ctx->registry);
  occ_bus_free (ctx->bus);
  occ_config_free (ctx->config);
  g_main_loop_unref (ctx->loop);
  g_free (ctx);
}

static gboolean drain_check (gpointer data);

/* Quits once every control connection has sent what it had, or after the
 * deadline. */
static gboolean
finish_hang_up (gpointer data)
{
  OccContext *ctx = data;
  if (occ_control_count_connections (ctx->control) > 0
      && g_get_monotonic_time () < ctx->hangup_deadline)
    return G_SOURCE_CONTINUE;
  ctx->drain_source = 0;
  occ_control_close (ctx->control);
  g_main_loop_quit (ctx->loop);
  return G_SOURCE_REMOVE;
}

static void
schedule_check (OccContext *ctx, guint delay_ms)
{
  if (ctx->drain_source)
    g_source_remove (ctx->drain_source);
  /* idle priority: whatever the bus holds is delivered first */
  ctx->drain_source
      = delay_ms ? g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, delay_ms, drain_check, ctx, NULL)
                 : g_idle_add (drain_check, ctx);
}

static gboolean
drain_check (gpointer data)
{
  OccContext *ctx = data;
  ctx->drain_source = 0;
  gint64 now = g_get_monotonic_time ();
  if (ctx->holds > 0 && now < ctx->drain_deadline)
    {
      schedule_check (ctx, (guint) ((ctx->drain_deadline - now) / 1000) + 1);
      return G_SOURCE_REMOVE;
    }
  if (ctx->holds > 0)
    g_warning ("drain timeout: unloading plugins that still hold work");
  occ_bus_flush (ctx->bus);
  occ_loader_unload_all (ctx->loader);
  occ_bus_flush (ctx->bus);
  /* let followers read the last events before their connections close */
  occ_control_hang_up (ctx->control);
  ctx->hangup_deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  ctx->drain_source = g_timeout_add (5, finish_hang_up, ctx);
  return G_SOURCE_REMOVE;
}

void
occ_context_holds_changed (OccContext *ctx)
{
  if (ctx->stopping && ctx->holds == 0)
    schedule_check (ctx, 0);
}

void
occ_context_stop (OccContext *ctx, const char *reason)
{
  if (ctx->stopping)
    return;
  ctx->stopping = TRUE;
  ctx->drain_deadline = g_get_monotonic_time ()
                        + (gint64) occ_config_get_drain_timeout (ctx->config) * G_USEC_PER_SEC;
  g_message ("stopping: %s", reason);
  sd_notifyf (0, "STOPPING=1\nSTATUS=stopping: %s", reason);
  occ_bus_publish (ctx->bus, NULL, OCC_EVENT_CORE_STOPPING, g_variant_new ("(s)", reason), NULL);
  /* plugins hear core.stopping first and may take a hold */
  schedule_check (ctx, 0);
}
