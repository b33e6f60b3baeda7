/* media: RTP anchored in the daemon — the "media" service of
 * <omnicc/media.h>. See README.md.
 *
 * GStreamer is NODELETE, and so is this object (-z nodelete in
 * meson.build): the media threads are joined at unload, but GStreamer
 * keeps the signal closures and pad functions of elements it may still
 * finalise later. */
#include "media-private.h"

#include <string.h>
#include <sys/resource.h>

static const char dtmf_doc[]
    = "A DTMF digit (RFC 4733 telephone-event) received on a media leg: (call id, leg label, "
      "digit 0-9 * # A-D, duration in ms).";
static const char ended_doc[]
    = "A media leg ended: (call id, leg label, final statistics as the media service's "
      "leg_stats: codec, remote, direction, srtp, packets-sent, packets-received, bytes-sent, "
      "bytes-received, packets-lost, jitter-ms…).";

/* Bus messages of the elements and of the media threads, on the main loop. */
static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer data)
{
  Media *m = data;
  switch (GST_MESSAGE_TYPE (msg))
    {
    case GST_MESSAGE_APPLICATION:
      {
        const GstStructure *s = gst_message_get_structure (msg);
        if (gst_structure_has_name (s, MEDIA_MSG_DTMF))
          media_leg_dtmf_message (m, s);
        else if (gst_structure_has_name (s, MEDIA_MSG_PLAYED))
          media_audio_played_message (m, s);
        else if (gst_structure_has_name (s, MEDIA_MSG_RECORDED))
          media_record_done_message (m, s);
        break;
      }
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name (msg, "dtmf-event"))
        media_audio_tone_message (m, msg); /* dtmfdetect: an in-band key */
      break;
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING:
      {
        g_autoptr (GError) e = NULL;
        g_autofree char *debug = NULL;
        if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
          gst_message_parse_error (msg, &e, &debug);
        else
          gst_message_parse_warning (msg, &e, &debug);
        g_warning ("GStreamer %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), e->message,
                   debug ? debug : "");
        break;
      }
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* Runs on the posting thread: only what the main loop needs is queued
 * (state changes of every leg's elements are not). A dropped message is
 * the handler's to free. */
static GstBusSyncReply
bus_filter (GstBus *bus, GstMessage *msg, gpointer data)
{
  switch (GST_MESSAGE_TYPE (msg))
    {
    case GST_MESSAGE_APPLICATION:
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING:
      return GST_BUS_PASS;
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name (msg, "dtmf-event"))
        return GST_BUS_PASS;
      gst_message_unref (msg);
      return GST_BUS_DROP;
    default:
      gst_message_unref (msg);
      return GST_BUS_DROP;
    }
}

static gboolean
have_opus (void)
{
  g_autofree char *missing = media_chain_preload (TRUE);
  return missing == NULL;
}

/* Two sockets per leg: a soft limit of 1024 descriptors would end at
 * about 250 calls. Raised to the hard limit (systemd's default is 512K). */
static void
raise_fd_limit (void)
{
  struct rlimit rl;
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &rl) == 0)
        g_debug ("open file limit raised to %lu", (unsigned long) rl.rlim_cur);
    }
}

static void
media_free (Media *m)
{
  if (m->legs)
    media_legs_free_all (m);
  /* completes what is being recorded, joins the writer */
  media_record_clear (m);
  /* recordings completed but not yet handed over: freed, their callbacks
   * not called (nobody is left to hear them); before the pipeline goes to
   * NULL, which flushes its bus */
  GstMessage *msg;
  while (m->bus && (msg = gst_bus_pop_filtered (m->bus, GST_MESSAGE_APPLICATION)))
    {
      const GstStructure *s = gst_message_get_structure (msg);
      if (gst_structure_has_name (s, MEDIA_MSG_RECORDED))
        media_record_drop_message (s);
      gst_message_unref (msg);
    }
  /* joins the media threads, which let go of the legs */
  g_clear_pointer (&m->engine, media_engine_free);
  if (m->bus_source)
    {
      g_source_destroy (m->bus_source);
      g_clear_pointer (&m->bus_source, g_source_unref);
    }
  if (m->pipeline)
    {
      gst_element_set_state (m->pipeline, GST_STATE_NULL);
      g_clear_object (&m->pipeline);
    }
  if (m->bus)
    {
      gst_bus_set_flushing (m->bus, TRUE);
      g_clear_object (&m->bus);
    }
  g_clear_pointer (&m->legs, g_hash_table_unref);
  media_audio_clear (m);
  g_clear_pointer (&m->ports, media_ports_free);
  g_clear_pointer (&m->settings, media_settings_free);
  g_free (m);
}

static gboolean
start (Media *m, GError **error)
{
  OccBus *bus = occ_plugin_get_bus (m->plugin);
  if (!occ_bus_register_type (bus, m->plugin, OCC_EVENT_MEDIA_DTMF, "(sssu)", dtmf_doc, error)
      || !occ_bus_register_type (bus, m->plugin, OCC_EVENT_MEDIA_LEG_ENDED, "(ssa{sv})", ended_doc,
                                 error))
    return FALSE;
  m->engine = media_engine_new (m->settings->threads, error);
  if (m->engine == NULL)
    return FALSE;
  m->pipeline = gst_pipeline_new ("omnicc-media");
  m->bus = gst_pipeline_get_bus (GST_PIPELINE (m->pipeline));
  gst_bus_set_sync_handler (m->bus, bus_filter, NULL, NULL);
  m->bus_source = gst_bus_create_watch (m->bus);
  g_source_set_callback (m->bus_source, G_SOURCE_FUNC (on_bus_message), m, NULL);
  occ_plugin_attach_source (m->plugin, m->bus_source);
  /* nothing in it waits for a clock or preroll: PLAYING at once */
  if (gst_element_set_state (m->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES,
                           "the media pipeline does not start");
      return FALSE;
    }
  media_service_init (m);
  media_audio_init (m);
  media_record_service_init (m);
  return occ_service_provide (m->plugin, OCC_MEDIA_SERVICE, &m->service, error);
}

static OccLoadResult
media_load (OccPlugin *plugin, GError **error)
{
  if (!gst_init_check (NULL, NULL, error))
    return OCC_LOAD_FAILED;
  g_autofree char *missing = media_chain_preload (FALSE);
  if (missing)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES,
                   "GStreamer elements missing: %s (gstreamer1.0-plugins-good and -bad)", missing);
      return OCC_LOAD_FAILED;
    }
  Media *m = g_new0 (Media, 1);
  m->plugin = plugin;
  m->have_opus = have_opus ();
  m->settings = media_settings_new (occ_plugin_get_config (plugin), m->have_opus, error);
  if (m->settings == NULL)
    {
      media_free (m);
      return OCC_LOAD_FAILED;
    }
  if (m->settings->opus_dropped)
    g_message ("opus is not offered: GStreamer's opus elements are not installed");
  m->ports = media_ports_new ();
  media_ports_set_range (m->ports, m->settings->port_min, m->settings->port_max);
  m->legs = g_hash_table_new (g_int64_hash, g_int64_equal);
  raise_fd_limit ();
  if (!start (m, error))
    {
      /* unload() is not called after a failed load; the core drops what
       * was registered */
      occ_service_withdraw (plugin, OCC_MEDIA_SERVICE);
      media_free (m);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, m);
  return OCC_LOAD_OK;
}

static void
media_unload (OccPlugin *plugin)
{
  Media *m = occ_plugin_get_user_data (plugin);
  if (m == NULL)
    return;
  occ_service_withdraw (plugin, OCC_MEDIA_SERVICE);
  media_free (m);
}

/* Everything but threads applies to legs made from now on. */
static gboolean
media_reconfigure (OccPlugin *plugin, GKeyFile *config, GError **error)
{
  Media *m = occ_plugin_get_user_data (plugin);
  MediaSettings *fresh = media_settings_new (config, m->have_opus, error);
  if (fresh == NULL)
    return FALSE;
  if (fresh->threads != m->settings->threads)
    g_message ("[media] threads: %u takes effect when the plugin is next loaded", fresh->threads);
  media_ports_set_range (m->ports, fresh->port_min, fresh->port_max);
  media_settings_free (m->settings);
  m->settings = fresh;
  return TRUE;
}

OCC_PLUGIN_DEFINE (.name = "media", .version = "1.0",
                   .summary = "RTP media of calls through GStreamer: SDP offer/answer, bridges, "
                              "G.711 transcoding, DTMF, SRTP",
                   .license = "GPL-3.0-or-later", .provides = OCC_LIST (OCC_MEDIA_SERVICE),
                   .config_schema = media_config_schema, .load = media_load, .unload = media_unload,
                   .reconfigure = media_reconfigure);
