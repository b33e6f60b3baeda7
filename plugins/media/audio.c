/* Version 2 of the media service: prompts played to a leg, what a leg
 * hears beyond its bridge (supervision), in-band DTMF detection.
 *
 * A leg whose remote hears more than its bridged peer — a prompt, or
 * several legs — "mixes": the audio meant for it is put into rings by
 * running time (one per source), and its media thread takes a 20 ms
 * frame from them every 20 ms, a little behind the clock (mix-delay), adds
 * the prompt, and encodes it. A leg that hears its peer alone stays on
 * the direct path of rx.c (decoded, encoded at once, no delay). */
#include "media-private.h"
#include "leg-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <string.h>

#define MAX_PROMPT_SAMPLES ((gsize) MEDIA_RATE * 600) /* ten minutes */

/* --- the mix (media threads, tx_lock held) --------------------------------------------- */

static gint64
now_index (OccMediaLeg *leg, gint64 now_us)
{
  return (now_us - leg->engine_t0_us) * MEDIA_RATE / G_USEC_PER_SEC;
}

static void
mix_seek (MediaMix *x, gint64 pos)
{
  x->next = pos;
  for (guint i = 0; i < MEDIA_MAX_HEARERS; i++)
    media_ring_init (&x->rings[i], pos);
}

gboolean
media_audio_put (OccMediaLeg *dst, OccMediaLeg *src, GstBuffer *audio)
{
  MediaMix *x = dst->mix;
  if (x == NULL)
    return FALSE;
  gint slot = -1;
  if (x->by_default)
    slot = x->peer_id == src->id ? 0 : -1;
  else
    for (guint i = 0; i < x->n_sources; i++)
      if (x->sources[i] == src->id)
        slot = (gint) i;
  if (slot < 0 || x->next == 0 || !GST_BUFFER_PTS_IS_VALID (audio))
    return TRUE; /* not heard here */
  GstMapInfo map;
  if (gst_buffer_map (audio, &map, GST_MAP_READ))
    {
      gint64 at
          = (gint64) gst_util_uint64_scale_int (GST_BUFFER_PTS (audio), MEDIA_RATE, GST_SECOND);
      media_ring_add (&x->rings[slot], at, (const gint16 *) map.data, (guint) (map.size / 2));
      gst_buffer_unmap (audio, &map);
    }
  return TRUE;
}

static void
post_played (OccMediaLeg *leg, guint id)
{
  GstStructure *s = gst_structure_new (MEDIA_MSG_PLAYED, "leg", G_TYPE_UINT64, leg->id, "play",
                                       G_TYPE_UINT, id, NULL);
  gst_bus_post (leg->bus, gst_message_new_application (NULL, s));
}

void
media_audio_tick (OccMediaLeg *leg, gint64 now_us)
{
  MediaMix *x = leg->mix;
  if (x == NULL)
    return;
  guint delay = leg->mix_delay_samples;
  gint64 target = now_index (leg, now_us) - delay;
  if (x->next == 0 || target - x->next > MEDIA_RING / 2 || target < x->next - MEDIA_RING)
    mix_seek (x, MAX (target, 1)); /* the first frame, or the thread was held up */
  guint n_rings = x->by_default ? 1 : x->n_sources;
  while (x->next + MEDIA_FRAME <= target)
    {
      gint32 acc[MEDIA_FRAME] = { 0 };
      for (guint i = 0; i < n_rings; i++)
        media_ring_take (&x->rings[i], acc, MEDIA_FRAME);
      for (guint i = n_rings; i < MEDIA_MAX_HEARERS; i++)
        media_ring_seek (&x->rings[i], x->next + MEDIA_FRAME);
      if (x->player && !media_player_fill (x->player, acc, MEDIA_FRAME))
        {
          post_played (leg, x->player->id);
          media_player_free (x->player);
          x->player = NULL;
        }
      if (leg->chain && leg->send_on)
        {
          GstBuffer *buf = gst_buffer_new_allocate (NULL, MEDIA_FRAME * 2, NULL);
          GstMapInfo map;
          gst_buffer_map (buf, &map, GST_MAP_WRITE);
          media_mix_clamp (acc, (gint16 *) map.data, MEDIA_FRAME);
          gst_buffer_unmap (buf, &map);
          GST_BUFFER_PTS (buf)
              = gst_util_uint64_scale_int ((guint64) x->next, GST_SECOND, MEDIA_RATE);
          GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
          if (leg->discont)
            {
              GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
              leg->discont = FALSE;
            }
          media_chain_encode (leg->chain, buf); /* → media_tx_rtp */
        }
      x->next += MEDIA_FRAME;
    }
}

/* --- the mix (main thread) ---------------------------------------------------------------- */

static MediaMix *
ensure_mix (OccMediaLeg *leg)
{
  if (leg->mix == NULL)
    {
      leg->mix = g_new0 (MediaMix, 1);
      leg->mix->by_default = TRUE;
      leg->mix->peer_id = leg->bridged ? leg->bridged->id : 0;
      leg->discont = TRUE;
    }
  return leg->mix;
}

/* Back to the direct path when nothing needs the mix any more. */
static void
maybe_drop_mix (OccMediaLeg *leg)
{
  MediaMix *x = leg->mix;
  if (x && x->player == NULL && x->by_default)
    {
      g_free (x);
      leg->mix = NULL;
      leg->discont = TRUE;
    }
}

void
media_audio_peer_changed (OccMediaLeg *leg)
{
  if (leg->mix)
    leg->mix->peer_id = leg->bridged ? leg->bridged->id : 0;
}

/* --- prompts ---------------------------------------------------------------------------- */

/* The decodes under way: each file is decoded once, however many plays
 * wait for it (many calls reach the same prompt at once). Outlives the
 * plugin's state until the last decode returns. */
struct _MediaDecoder {
  gint ref;
  Media *m;             /* NULL once the plugin unloads */
  GHashTable *decoding; /* path → GPtrArray of PlayLoad waiting for it */
};

static MediaDecoder *
decoder_ref (MediaDecoder *d)
{
  g_atomic_int_inc (&d->ref);
  return d;
}

static void
decoder_unref (MediaDecoder *d)
{
  if (!g_atomic_int_dec_and_test (&d->ref))
    return;
  g_hash_table_unref (d->decoding);
  g_free (d);
}

/* One file being decoded, in a worker thread. */
typedef struct {
  MediaDecoder *decoder;
  char *path;
  MediaPrompt *prompt; /* the result, or NULL with error */
  char *error;
} DecodeOne;

static void
decode_one_free (DecodeOne *d)
{
  decoder_unref (d->decoder);
  media_prompt_unref (d->prompt);
  g_free (d->path);
  g_free (d->error);
  g_free (d);
}

/* Decodes @path to 8 kHz mono samples (a worker thread: GStreamer's
 * decoders are given the time they need). */
static MediaPrompt *
decode_file (const char *path, GError **error)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int err = errno;
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID, "%s: %s", path,
                   g_strerror (err));
      return NULL;
    }
  g_autoptr (GError) e = NULL;
  g_autoptr (GstElement) pipeline
      = gst_parse_launch ("filesrc name=src ! decodebin ! audioconvert ! audioresample ! "
                          "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1 ! "
                          "appsink name=sink sync=false",
                          &e);
  if (pipeline == NULL)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES, "%s: %s", path, e->message);
      return NULL;
    }
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (src, "location", path, NULL);
  GByteArray *pcm = g_byte_array_new ();
  gboolean ok = gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  while (ok)
    {
      GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 10 * GST_SECOND);
      if (sample == NULL)
        break;
      GstBuffer *buf = gst_sample_get_buffer (sample);
      GstMapInfo map;
      if (buf && gst_buffer_map (buf, &map, GST_MAP_READ))
        {
          if (pcm->len + map.size <= MAX_PROMPT_SAMPLES * 2)
            g_byte_array_append (pcm, map.data, (guint) map.size);
          else
            ok = FALSE;
          gst_buffer_unmap (buf, &map);
        }
      gst_sample_unref (sample);
    }
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) err = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gboolean eos = gst_app_sink_is_eos (GST_APP_SINK (sink));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (err || !ok || !eos || pcm->len < 2)
    {
      g_autoptr (GError) ge = NULL;
      if (err)
        gst_message_parse_error (err, &ge, NULL);
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID, "%s: %s", path,
                   ge     ? ge->message
                   : !ok  ? "longer than ten minutes, or not readable"
                   : !eos ? "the decoder did not finish"
                          : "no audio in it");
      g_byte_array_free (pcm, TRUE);
      return NULL;
    }
  MediaPrompt *p = g_new0 (MediaPrompt, 1);
  p->ref = 1;
  p->path = g_strdup (path);
  p->mtime = (gint64) st.st_mtime;
  p->size = (gint64) st.st_size;
  p->n = pcm->len / 2;
  p->samples = (gint16 *) g_byte_array_free (pcm, FALSE);
  return p;
}

static void
decode_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  DecodeOne *d = data;
  g_autoptr (GError) e = NULL;
  d->prompt = decode_file (d->path, &e);
  if (d->prompt == NULL)
    d->error = g_strdup (e->message);
  g_task_return_boolean (task, TRUE);
}

/* --- play -------------------------------------------------------------------------------- */

static void
play_finish (OccMediaLeg *leg, OccMediaPlayEnd how, const GError *error)
{
  MediaPlay *p = g_steal_pointer (&leg->play);
  if (p == NULL)
    return;
  if (p->done)
    p->done (leg, how, error, p->data);
  if (p->destroy)
    p->destroy (p->data);
  g_free (p);
}

static void
player_remove (OccMediaLeg *leg)
{
  g_mutex_lock (&leg->tx_lock);
  if (leg->mix)
    {
      media_player_free (leg->mix->player);
      leg->mix->player = NULL;
      maybe_drop_mix (leg);
    }
  g_mutex_unlock (&leg->tx_lock);
}

static void
player_start (OccMediaLeg *leg, MediaPlay *p, MediaPrompt **prompts, guint n)
{
  g_mutex_lock (&leg->tx_lock);
  MediaMix *x = ensure_mix (leg);
  media_player_free (x->player);
  x->player = media_player_new (p->id, prompts, n, p->loop);
  g_mutex_unlock (&leg->tx_lock);
}

static void
play_stop (OccMediaLeg *leg)
{
  g_return_if_fail (leg != NULL);
  if (leg->play == NULL)
    return;
  player_remove (leg);
  play_finish (leg, OCC_MEDIA_PLAY_STOPPED, NULL);
}

/* A play waiting for its files to be decoded. */
typedef struct {
  OccMediaLeg *leg;
  guint id;
  char **files; /* every file of the play, in order */
  guint pending;
  char *error; /* the first file that failed */
} PlayLoad;

static void
play_load_free (PlayLoad *l)
{
  media_leg_unref (l->leg);
  g_strfreev (l->files);
  g_free (l->error);
  g_free (l);
}

/* The prompts of @files, all in the cache; NULL if one is missing. */
static MediaPrompt **
cached_prompts (Media *m, char **files)
{
  guint n = g_strv_length (files);
  MediaPrompt **out = g_new0 (MediaPrompt *, n + 1);
  for (guint i = 0; i < n; i++)
    if ((out[i] = g_hash_table_lookup (m->prompts, files[i])) == NULL)
      {
        g_free (out);
        return NULL;
      }
  return out;
}

/* Every file of @l is decoded (or failed): the play starts, if its leg
 * still wants it. */
static void
play_load_done (PlayLoad *l)
{
  OccMediaLeg *leg = l->leg;
  Media *m = leg->media;
  if (m && leg->play && leg->play->id == l->id)
    {
      leg->play->loading = FALSE;
      g_autofree MediaPrompt **prompts = l->error ? NULL : cached_prompts (m, l->files);
      if (prompts)
        player_start (leg, leg->play, prompts, g_strv_length (l->files));
      else
        {
          g_autoptr (GError) e = g_error_new (OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID, "%s",
                                              l->error ? l->error : "a prompt went missing");
          g_warning ("leg %s: cannot play %s", leg->name, e->message);
          play_finish (leg, OCC_MEDIA_PLAY_FAILED, e);
        }
    }
  play_load_free (l);
}

static void
decoded (GObject *source, GAsyncResult *res, gpointer data)
{
  DecodeOne *d = g_task_get_task_data (G_TASK (res));
  MediaDecoder *dec = d->decoder;
  GPtrArray *waiting = NULL;
  g_autofree char *key = NULL;
  g_hash_table_steal_extended (dec->decoding, d->path, (gpointer *) &key, (gpointer *) &waiting);
  if (dec->m && d->prompt)
    g_hash_table_replace (dec->m->prompts, d->prompt->path, media_prompt_ref (d->prompt));
  for (guint i = 0; waiting && i < waiting->len; i++)
    {
      PlayLoad *l = waiting->pdata[i];
      if (d->error && l->error == NULL)
        l->error = g_strdup (d->error);
      if (--l->pending == 0)
        play_load_done (l);
    }
  if (waiting)
    g_ptr_array_unref (waiting);
}

/* @l waits for @path, whose decode starts unless one is under way. */
static void
wait_decode (Media *m, PlayLoad *l, const char *path)
{
  MediaDecoder *dec = m->decoder;
  GPtrArray *waiting = g_hash_table_lookup (dec->decoding, path);
  l->pending++;
  if (waiting)
    {
      g_ptr_array_add (waiting, l);
      return;
    }
  char *key = g_strdup (path);
  waiting = g_ptr_array_new ();
  g_ptr_array_add (waiting, l);
  g_hash_table_insert (dec->decoding, key, waiting);
  DecodeOne *d = g_new0 (DecodeOne, 1);
  d->decoder = decoder_ref (dec);
  d->path = g_strdup (path);
  GTask *task = g_task_new (NULL, NULL, decoded, NULL);
  g_task_set_task_data (task, d, (GDestroyNotify) decode_one_free);
  g_task_run_in_thread (task, decode_thread);
  g_object_unref (task);
}

static gboolean
play (OccMediaLeg *leg, const char *const *files, guint flags, OccMediaPlayDone done,
      gpointer user_data, GDestroyNotify destroy, GError **error)
{
  g_return_val_if_fail (leg != NULL && leg->media != NULL, FALSE);
  Media *m = leg->media;
  g_autoptr (GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = files && files[0];
  if (!ok)
    g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID, "leg %s: nothing to play",
                 leg->name);
  for (guint i = 0; ok && files[i]; i++)
    {
      GStatBuf st;
      int err = g_stat (files[i], &st) != 0 ? errno : 0;
      if (err != 0 || !S_ISREG (st.st_mode))
        {
          g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID, "leg %s: %s: %s", leg->name,
                       files[i], err == 0 ? "not a regular file" : g_strerror (err));
          ok = FALSE;
          break;
        }
      MediaPrompt *p = g_hash_table_lookup (m->prompts, files[i]);
      if (p && (p->mtime != (gint64) st.st_mtime || p->size != (gint64) st.st_size))
        {
          g_hash_table_remove (m->prompts, files[i]); /* changed on disk */
          p = NULL;
        }
      if (p == NULL && !g_ptr_array_find_with_equal_func (stale, files[i], g_str_equal, NULL))
        g_ptr_array_add (stale, g_strdup (files[i]));
    }
  if (!ok)
    {
      if (destroy)
        destroy (user_data);
      return FALSE;
    }
  play_stop (leg);
  MediaPlay *p = g_new0 (MediaPlay, 1);
  p->id = ++m->next_play;
  p->done = done;
  p->data = user_data;
  p->destroy = destroy;
  p->loop = (flags & OCC_MEDIA_PLAY_LOOP) != 0;
  leg->play = p;
  if (stale->len == 0)
    {
      g_autofree MediaPrompt **prompts = cached_prompts (m, (char **) files);
      player_start (leg, p, prompts, g_strv_length ((char **) files));
      return TRUE;
    }
  PlayLoad *l = g_new0 (PlayLoad, 1);
  l->leg = media_leg_ref (leg);
  l->id = p->id;
  l->files = g_strdupv ((char **) files);
  p->loading = TRUE;
  for (guint i = 0; i < stale->len; i++)
    wait_decode (m, l, stale->pdata[i]);
  return TRUE;
}

void
media_audio_played_message (Media *m, const GstStructure *s)
{
  guint64 id = 0;
  guint play_id = 0;
  gst_structure_get_uint64 (s, "leg", &id);
  gst_structure_get_uint (s, "play", &play_id);
  OccMediaLeg *leg = g_hash_table_lookup (m->legs, &id);
  if (leg == NULL || leg->play == NULL || leg->play->id != play_id)
    return; /* ended, stopped or replaced meanwhile */
  g_mutex_lock (&leg->tx_lock);
  if (leg->mix)
    maybe_drop_mix (leg);
  g_mutex_unlock (&leg->tx_lock);
  play_finish (leg, OCC_MEDIA_PLAY_FINISHED, NULL);
}

/* --- hear -------------------------------------------------------------------------------- */

static void
extra_add (OccMediaLeg *src, OccMediaLeg *hearer)
{
  g_mutex_lock (&src->rx_lock);
  if (src->n_extra < MEDIA_MAX_HEARERS)
    src->extra[src->n_extra++] = hearer;
  g_mutex_unlock (&src->rx_lock);
  g_ptr_array_add (src->heard_by, hearer);
}

static void
extra_remove (OccMediaLeg *src, OccMediaLeg *hearer)
{
  g_mutex_lock (&src->rx_lock);
  for (guint i = 0; i < src->n_extra; i++)
    if (src->extra[i] == hearer)
      {
        src->extra[i] = src->extra[--src->n_extra];
        src->extra[src->n_extra] = NULL;
        break;
      }
  g_mutex_unlock (&src->rx_lock);
  g_ptr_array_remove (src->heard_by, hearer);
}

/* @leg hears @sources (main thread): its mix, and the sources' lists. */
static void
set_sources (OccMediaLeg *leg, OccMediaLeg *const *sources, guint n)
{
  /* the legs heard no more let go of it first, so no thread puts audio
   * for it from a source it dropped */
  for (guint i = leg->hears ? leg->hears->len : 0; i > 0; i--)
    {
      OccMediaLeg *old = leg->hears->pdata[i - 1];
      gboolean kept = FALSE;
      for (guint j = 0; j < n; j++)
        kept |= sources[j] == old;
      if (!kept)
        {
          extra_remove (old, leg);
          g_ptr_array_remove_index (leg->hears, i - 1);
        }
    }
  for (guint j = 0; j < n; j++)
    if (leg->hears == NULL || !g_ptr_array_find (leg->hears, sources[j], NULL))
      {
        if (leg->hears == NULL)
          leg->hears = g_ptr_array_new ();
        g_ptr_array_add (leg->hears, sources[j]);
        extra_add (sources[j], leg);
      }
  g_mutex_lock (&leg->tx_lock);
  if (n == 0)
    {
      if (leg->mix)
        {
          leg->mix->by_default = TRUE;
          leg->mix->n_sources = 0;
          mix_seek (leg->mix, leg->mix->next);
          maybe_drop_mix (leg);
        }
    }
  else
    {
      MediaMix *x = ensure_mix (leg);
      x->by_default = FALSE;
      x->n_sources = n;
      for (guint j = 0; j < n; j++)
        x->sources[j] = sources[j]->id;
      mix_seek (x, x->next);
    }
  g_mutex_unlock (&leg->tx_lock);
  if (n == 0)
    g_clear_pointer (&leg->hears, g_ptr_array_unref);
}

static gboolean
hear (OccMediaLeg *leg, OccMediaLeg *const *sources, guint n, GError **error)
{
  g_return_val_if_fail (leg != NULL && (n == 0 || sources != NULL), FALSE);
  const char *why = n > MEDIA_MAX_HEARERS ? "more than four sources" : NULL;
  for (guint i = 0; why == NULL && i < n; i++)
    {
      gboolean new_one = leg->hears == NULL || !g_ptr_array_find (leg->hears, sources[i], NULL);
      if (sources[i] == NULL || sources[i]->media == NULL)
        why = "a source that is no leg";
      else if (sources[i] == leg)
        why = "a leg cannot hear itself";
      else if (new_one && sources[i]->heard_by->len >= MEDIA_MAX_HEARERS)
        why = "a source is heard by four legs already";
      for (guint j = 0; why == NULL && j < i; j++)
        if (sources[j] == sources[i])
          why = "a source given twice";
    }
  if (why)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE, "leg %s: cannot hear that: %s",
                   leg->name, why);
      return FALSE;
    }
  set_sources (leg, sources, n);
  g_debug ("leg %s hears %u leg(s)%s", leg->name, n, n ? "" : " (its peer)");
  return TRUE;
}

/* --- in-band DTMF: spandsp's dtmfdetect on the leg's decoded audio ------------------------- */

static GstFlowReturn
drop_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

static gboolean
drop_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  gst_event_unref (event);
  return TRUE;
}

static void
tones_off (OccMediaLeg *leg)
{
  g_mutex_lock (&leg->rx_lock);
  GstPad *pad = g_steal_pointer (&leg->tone_pad);
  GstElement *bin = g_steal_pointer (&leg->tone_bin);
  g_mutex_unlock (&leg->rx_lock);
  if (bin == NULL)
    return;
  gst_element_set_state (bin, GST_STATE_NULL);
  GstPad *out = g_object_get_data (G_OBJECT (bin), "omnicc-out");
  GstPad *from = gst_pad_get_peer (out);
  GstPad *to = gst_pad_get_peer (pad);
  if (from)
    gst_pad_unlink (from, out);
  if (to)
    gst_pad_unlink (pad, to);
  g_clear_object (&from);
  g_clear_object (&to);
  gst_pad_set_active (pad, FALSE);
  gst_object_unref (pad);
  gst_bin_remove (GST_BIN (GST_ELEMENT_PARENT (bin)), bin);
  gst_object_unref (bin);
}

static gboolean
tones_on (OccMediaLeg *leg)
{
  g_autofree char *name = g_strdup_printf ("omnicc-dtmf-%" G_GUINT64_FORMAT, leg->id);
  GstElement *det = gst_element_factory_make ("dtmfdetect", name);
  if (det == NULL)
    {
      g_warning ("leg %s: no in-band DTMF detection: GStreamer's dtmfdetect (spandsp, "
                 "gstreamer1.0-plugins-bad) is missing",
                 leg->name);
      return FALSE;
    }
  GstElement *bin = gst_bin_new (NULL);
  gst_bin_add (GST_BIN (bin), det);
  g_autoptr (GstPad) det_sink = gst_element_get_static_pad (det, "sink");
  g_autoptr (GstPad) det_src = gst_element_get_static_pad (det, "src");
  GstPad *in = gst_pad_new (NULL, GST_PAD_SRC);
  GstPad *out = gst_pad_new (NULL, GST_PAD_SINK);
  gst_pad_set_chain_function (out, drop_chain);
  gst_pad_set_event_function (out, drop_event);
  gst_pad_set_active (in, TRUE);
  gst_pad_set_active (out, TRUE);
  gst_pad_link (in, det_sink);
  gst_pad_link (det_src, out);
  g_object_set_data_full (G_OBJECT (bin), "omnicc-out", out, gst_object_unref);
  gst_bin_add (GST_BIN (leg->media->pipeline), bin);
  gst_object_ref (bin);
  gst_element_set_state (bin, GST_STATE_PLAYING);
  g_autofree char *stream = g_strdup_printf ("omnicc-dtmf-%" G_GUINT64_FORMAT, leg->id);
  gst_pad_push_event (in, gst_event_new_stream_start (stream));
  g_autoptr (GstCaps) caps = gst_caps_from_string (MEDIA_AUDIO_CAPS);
  gst_pad_push_event (in, gst_event_new_caps (caps));
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (in, gst_event_new_segment (&seg));
  g_mutex_lock (&leg->rx_lock);
  leg->tone_pad = in;
  leg->tone_bin = bin;
  g_mutex_unlock (&leg->rx_lock);
  return TRUE;
}

static void
detect_tones (OccMediaLeg *leg, gboolean on)
{
  g_return_if_fail (leg != NULL && leg->media != NULL);
  if (on && leg->tone_bin == NULL)
    tones_on (leg);
  else if (!on)
    tones_off (leg);
}

void
media_audio_tap (OccMediaLeg *leg, GstBuffer *audio)
{
  if (leg->rec)
    media_record_put (leg->rec, leg->rec_channel, audio);
  if (leg->tone_pad)
    gst_pad_push (leg->tone_pad, gst_buffer_ref (audio));
}

void
media_audio_tone_message (Media *m, GstMessage *msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  const char *name = GST_OBJECT_NAME (GST_MESSAGE_SRC (msg));
  int number = -1;
  if (!g_str_has_prefix (name, "omnicc-dtmf-") || !gst_structure_get_int (s, "number", &number))
    return;
  guint64 id = g_ascii_strtoull (name + strlen ("omnicc-dtmf-"), NULL, 10);
  OccMediaLeg *leg = g_hash_table_lookup (m->legs, &id);
  char digit[2] = { number >= 0 ? media_dtmf_digit ((guint) number) : 0, '\0' };
  if (leg == NULL || digit[0] == '\0' || leg->tone_bin == NULL)
    return;
  g_mutex_lock (&leg->rx_lock);
  gboolean rfc4733 = leg->dtmf_received > 0;
  g_mutex_unlock (&leg->rx_lock);
  if (rfc4733)
    return; /* the phone sends events: the tone is the same key press */
  g_autoptr (GError) e = NULL;
  if (occ_bus_publish (occ_plugin_get_bus (m->plugin), m->plugin, OCC_EVENT_MEDIA_DTMF,
                       g_variant_new ("(sssu)", leg->call_id, leg->label, digit, 0u), &e)
      == 0)
    g_warning ("leg %s: %s", leg->name, e->message);
}

/* --- a leg's end ---------------------------------------------------------------------------- */

void
media_audio_leg_gone (OccMediaLeg *leg)
{
  MediaPlay *p = g_steal_pointer (&leg->play);
  if (p)
    {
      if (p->destroy)
        p->destroy (p->data);
      g_free (p);
    }
  set_sources (leg, NULL, 0);
  while (leg->heard_by->len > 0)
    {
      OccMediaLeg *h = leg->heard_by->pdata[0];
      g_autoptr (GPtrArray) rest = g_ptr_array_new ();
      for (guint i = 0; i < h->hears->len; i++)
        if (h->hears->pdata[i] != leg)
          g_ptr_array_add (rest, h->hears->pdata[i]);
      set_sources (h, (OccMediaLeg *const *) rest->pdata, rest->len);
    }
  tones_off (leg);
  media_record_leg_gone (leg);
  g_mutex_lock (&leg->tx_lock);
  if (leg->mix)
    {
      media_player_free (leg->mix->player);
      g_clear_pointer (&leg->mix, g_free);
    }
  g_mutex_unlock (&leg->tx_lock);
  g_ptr_array_unref (leg->heard_by);
  leg->heard_by = NULL;
}

void
media_audio_init (Media *m)
{
  m->prompts
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) media_prompt_unref);
  m->decoder = g_new0 (MediaDecoder, 1);
  m->decoder->ref = 1;
  m->decoder->m = m;
  m->decoder->decoding
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  m->service.play = play;
  m->service.play_stop = play_stop;
  m->service.hear = hear;
  m->service.detect_tones = detect_tones;
}

void
media_audio_clear (Media *m)
{
  g_clear_pointer (&m->prompts, g_hash_table_unref);
  if (m->decoder)
    {
      /* decodes still under way answer nobody: their plays' legs are gone */
      m->decoder->m = NULL;
      g_clear_pointer (&m->decoder, decoder_unref);
    }
}
