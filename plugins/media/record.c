/* Recordings: one WAV file a recording, one channel per party, written
 * by the plugin's writer thread (never a media thread, never the main
 * loop). Media threads put each attached leg's decoded voice into the
 * recording's ring of its channel, placed by running time; every 100 ms
 * the writer takes what is older than 300 ms from every ring at once
 * (silence where nobody spoke, or while paused), interleaves, encodes and
 * appends it. At the end it completes the header, hashes the file and
 * hands the result to the main loop through the pipeline's bus. */
#include "media-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define WRITER_PERIOD_US (100 * 1000)
#define WRITER_DELAY (MEDIA_RATE * 3 / 10) /* 300 ms behind the clock */
#define CHUNK 800                          /* samples a channel per write */
#define HEADER_ALAW 58                     /* RIFF, fmt (18), fact, data */
#define HEADER_PCM 44

struct _OccMediaRecording {
  Media *m; /* main thread */
  GMutex lock;
  char *path;
  int fd;
  OccMediaRecordFormat format;
  guint channels;
  gint64 t0_us; /* the engine's zero */
  MediaRing ring[2];
  gboolean paused;
  gboolean stopping;
  gint64 stop_at;
  /* the writer's */
  guint64 frames; /* samples per channel written */
  guint64 bytes;
  int write_errno;
  char sha256[65];
  /* the main thread's */
  GPtrArray *legs;
  OccMediaRecordDone done;
  gpointer data;
  GDestroyNotify destroy;
};

struct _MediaRecorder {
  GThread *thread;
  GMutex lock;
  GCond cond;
  GPtrArray *recs; /* being written */
  gboolean quit;
  GstBus *bus;
};

static gint64
index_now (gint64 t0_us)
{
  return (g_get_monotonic_time () - t0_us) * MEDIA_RATE / G_USEC_PER_SEC;
}

static void
put16 (guint8 *p, guint v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
}

static void
put32 (guint8 *p, guint32 v)
{
  put16 (p, v & 0xffff);
  put16 (p + 2, v >> 16);
}

/* The WAV header for @frames samples a channel. */
static gsize
wav_header (OccMediaRecording *r, guint8 *h, guint64 frames)
{
  gboolean alaw = r->format == OCC_MEDIA_RECORD_WAV_ALAW;
  guint bytes_per = alaw ? 1 : 2;
  guint32 data = (guint32) MIN (frames * r->channels * bytes_per, G_MAXUINT32 - 64);
  gsize hlen = alaw ? HEADER_ALAW : HEADER_PCM;
  memcpy (h, "RIFF", 4);
  put32 (h + 4, (guint32) (hlen - 8 + data));
  memcpy (h + 8, "WAVEfmt ", 8);
  put32 (h + 16, alaw ? 18 : 16);
  put16 (h + 20, alaw ? 6 : 1); /* WAVE_FORMAT_ALAW, WAVE_FORMAT_PCM */
  put16 (h + 22, r->channels);
  put32 (h + 24, MEDIA_RATE);
  put32 (h + 28, MEDIA_RATE * r->channels * bytes_per);
  put16 (h + 32, r->channels * bytes_per);
  put16 (h + 34, bytes_per * 8);
  guint8 *d = h + 36;
  if (alaw)
    {
      put16 (h + 36, 0); /* cbSize */
      memcpy (h + 38, "fact", 4);
      put32 (h + 42, 4);
      put32 (h + 46, (guint32) MIN (frames, G_MAXUINT32));
      d = h + 50;
    }
  memcpy (d, "data", 4);
  put32 (d + 4, data);
  return hlen;
}

/* --- the writer thread ------------------------------------------------------------------- */

static void
write_all (OccMediaRecording *r, const guint8 *buf, gsize len)
{
  while (len > 0 && r->write_errno == 0)
    {
      gssize n = write (r->fd, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          r->write_errno = n < 0 ? errno : ENOSPC;
          g_warning ("recording %s: %s (what follows is lost)", r->path,
                     g_strerror (r->write_errno));
          return;
        }
      buf += n;
      len -= (gsize) n;
      r->bytes += (guint64) n;
    }
}

/* Writes every channel up to sample index @to. */
static void
flush_to (OccMediaRecording *r, gint64 to)
{
  gint32 acc[2][CHUNK];
  guint8 out[CHUNK * 2 * 2];
  for (;;)
    {
      g_mutex_lock (&r->lock);
      gint64 from = r->ring[0].pos;
      guint n = (guint) MIN (to - from, CHUNK);
      if (to <= from)
        {
          g_mutex_unlock (&r->lock);
          return;
        }
      for (guint c = 0; c < r->channels; c++)
        {
          memset (acc[c], 0, sizeof acc[c]);
          media_ring_take (&r->ring[c], acc[c], n);
          if (r->paused)
            memset (acc[c], 0, sizeof acc[c]);
        }
      g_mutex_unlock (&r->lock);
      gsize len = 0;
      for (guint i = 0; i < n; i++)
        for (guint c = 0; c < r->channels; c++)
          {
            gint16 v = (gint16) CLAMP (acc[c][i], G_MININT16, G_MAXINT16);
            if (r->format == OCC_MEDIA_RECORD_WAV_ALAW)
              out[len++] = media_alaw_encode (v);
            else
              {
                put16 (out + len, (guint16) v);
                len += 2;
              }
          }
      write_all (r, out, len);
      r->frames += n;
    }
}

static void
finish (OccMediaRecording *r)
{
  guint8 h[HEADER_ALAW];
  gsize hlen = wav_header (r, h, r->frames);
  if (r->write_errno == 0 && pwrite (r->fd, h, hlen, 0) != (gssize) hlen)
    r->write_errno = errno ? errno : EIO;
  if (r->write_errno == 0 && fsync (r->fd) != 0)
    r->write_errno = errno;
  close (r->fd);
  r->fd = -1;
  if (r->write_errno != 0)
    return;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  int fd = open (r->path, O_RDONLY | O_CLOEXEC);
  guint8 buf[65536];
  gssize n = 0;
  while (fd >= 0 && (n = read (fd, buf, sizeof buf)) > 0)
    g_checksum_update (sum, buf, (gsize) n);
  if (fd < 0 || n < 0)
    r->write_errno = errno ? errno : EIO;
  if (fd >= 0)
    close (fd);
  g_strlcpy (r->sha256, g_checksum_get_string (sum), sizeof r->sha256);
}

static gpointer
writer_main (gpointer data)
{
  MediaRecorder *w = data;
  g_mutex_lock (&w->lock);
  while (!w->quit || w->recs->len > 0)
    {
      gint64 until = g_get_monotonic_time () + WRITER_PERIOD_US;
      while (!w->quit && g_cond_wait_until (&w->cond, &w->lock, until))
        ;
      g_autoptr (GPtrArray) recs = g_ptr_array_copy (w->recs, NULL, NULL);
      g_mutex_unlock (&w->lock);
      for (guint i = 0; i < recs->len; i++)
        {
          OccMediaRecording *r = recs->pdata[i];
          g_mutex_lock (&r->lock);
          gboolean stopping = r->stopping || w->quit;
          gint64 to = r->stopping ? r->stop_at : index_now (r->t0_us) - WRITER_DELAY;
          g_mutex_unlock (&r->lock);
          flush_to (r, to);
          if (!stopping)
            continue;
          finish (r);
          g_mutex_lock (&w->lock);
          g_ptr_array_remove (w->recs, r);
          g_mutex_unlock (&w->lock);
          if (!w->quit)
            gst_bus_post (w->bus, gst_message_new_application (
                                      NULL, gst_structure_new (MEDIA_MSG_RECORDED, "recording",
                                                               G_TYPE_POINTER, r, NULL)));
        }
      g_mutex_lock (&w->lock);
    }
  g_mutex_unlock (&w->lock);
  return NULL;
}

static MediaRecorder *
recorder (Media *m, GError **error)
{
  if (m->recorder)
    return m->recorder;
  MediaRecorder *w = g_new0 (MediaRecorder, 1);
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->recs = g_ptr_array_new ();
  w->bus = gst_object_ref (m->bus);
  w->thread = g_thread_try_new ("omnicc-record", writer_main, w, error);
  if (w->thread == NULL)
    {
      g_ptr_array_unref (w->recs);
      gst_object_unref (w->bus);
      g_free (w);
      return NULL;
    }
  return m->recorder = w;
}

static void
recording_free (OccMediaRecording *r)
{
  if (r->destroy)
    r->destroy (r->data);
  if (r->fd >= 0)
    close (r->fd);
  g_ptr_array_unref (r->legs);
  g_mutex_clear (&r->lock);
  g_free (r->path);
  g_free (r);
}

/* --- the service (main thread) ------------------------------------------------------------- */

static OccMediaRecording *
record_start (const OccMediaService *self, const char *path, const OccMediaRecordOptions *o,
              GError **error)
{
  g_return_val_if_fail (self != NULL && path != NULL, NULL);
  Media *m = media_of (self);
  guint channels = o && o->channels ? o->channels : 2;
  OccMediaRecordFormat format = o ? o->format : OCC_MEDIA_RECORD_WAV_ALAW;
  if (channels > 2 || format > OCC_MEDIA_RECORD_WAV_PCM16)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID,
                   "recording %s: %u channels, format %d: one or two channels, WAV A-law or PCM",
                   path, channels, format);
      return NULL;
    }
  if (recorder (m, error) == NULL)
    return NULL;
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0)
    {
      int err = errno;
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES, "recording %s: %s", path,
                   g_strerror (err));
      return NULL;
    }
  OccMediaRecording *r = g_new0 (OccMediaRecording, 1);
  r->m = m;
  g_mutex_init (&r->lock);
  r->path = g_strdup (path);
  r->fd = fd;
  r->format = format;
  r->channels = channels;
  r->legs = g_ptr_array_new ();
  r->t0_us = media_engine_epoch (m->engine);
  gint64 start = index_now (r->t0_us);
  for (guint c = 0; c < 2; c++)
    media_ring_init (&r->ring[c], start);
  guint8 h[HEADER_ALAW];
  gsize hlen = wav_header (r, h, 0);
  if (write (fd, h, hlen) != (gssize) hlen)
    {
      int err = errno ? errno : EIO;
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES, "recording %s: %s", path,
                   g_strerror (err));
      g_unlink (path);
      recording_free (r);
      return NULL;
    }
  r->bytes = hlen;
  g_mutex_lock (&m->recorder->lock);
  g_ptr_array_add (m->recorder->recs, r);
  g_mutex_unlock (&m->recorder->lock);
  g_debug ("recording %s: %u channel(s)", path, channels);
  return r;
}

static void
detach (OccMediaRecording *r, OccMediaLeg *leg)
{
  g_mutex_lock (&leg->rx_lock);
  if (leg->rec == r)
    leg->rec = NULL;
  g_mutex_unlock (&leg->rx_lock);
  g_ptr_array_remove (r->legs, leg);
}

static gboolean
record_attach (OccMediaRecording *r, OccMediaLeg *leg, guint channel, GError **error)
{
  g_return_val_if_fail (r != NULL && leg != NULL, FALSE);
  if (channel >= r->channels || (leg->rec && leg->rec != r) || r->stopping)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE, "recording %s, leg %s: %s",
                   r->path, leg->name,
                   channel >= r->channels ? "no such channel"
                   : r->stopping          ? "the recording is stopping"
                                          : "the leg is in another recording");
      return FALSE;
    }
  g_mutex_lock (&leg->rx_lock);
  leg->rec = r;
  leg->rec_channel = channel;
  g_mutex_unlock (&leg->rx_lock);
  if (!g_ptr_array_find (r->legs, leg, NULL))
    g_ptr_array_add (r->legs, leg);
  return TRUE;
}

static void
record_detach (OccMediaRecording *r, OccMediaLeg *leg)
{
  g_return_if_fail (r != NULL && leg != NULL);
  detach (r, leg);
}

static void
record_pause (OccMediaRecording *r, gboolean paused)
{
  g_return_if_fail (r != NULL);
  g_mutex_lock (&r->lock);
  r->paused = paused;
  g_mutex_unlock (&r->lock);
}

static void
record_stop (OccMediaRecording *r, OccMediaRecordDone done, gpointer data, GDestroyNotify destroy)
{
  g_return_if_fail (r != NULL && !r->stopping);
  while (r->legs->len > 0)
    detach (r, r->legs->pdata[0]);
  r->done = done;
  r->data = data;
  r->destroy = destroy;
  MediaRecorder *w = r->m->recorder;
  g_mutex_lock (&r->lock);
  r->stopping = TRUE;
  r->stop_at = index_now (r->t0_us);
  g_mutex_unlock (&r->lock);
  g_mutex_lock (&w->lock);
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
}

void
media_record_put (OccMediaRecording *r, guint channel, GstBuffer *audio)
{
  GstMapInfo map;
  if (!GST_BUFFER_PTS_IS_VALID (audio) || !gst_buffer_map (audio, &map, GST_MAP_READ))
    return;
  gint64 at = (gint64) gst_util_uint64_scale_int (GST_BUFFER_PTS (audio), MEDIA_RATE, GST_SECOND);
  g_mutex_lock (&r->lock);
  media_ring_add (&r->ring[channel], at, (const gint16 *) map.data, (guint) (map.size / 2));
  g_mutex_unlock (&r->lock);
  gst_buffer_unmap (audio, &map);
}

void
media_record_leg_gone (OccMediaLeg *leg)
{
  if (leg->rec)
    detach (leg->rec, leg);
}

void
media_record_done_message (Media *m, const GstStructure *s)
{
  OccMediaRecording *r = NULL;
  gst_structure_get (s, "recording", G_TYPE_POINTER, &r, NULL);
  if (r == NULL)
    return;
  if (r->done)
    {
      if (r->write_errno != 0)
        {
          g_autoptr (GError) e
              = g_error_new (OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES, "recording %s: %s",
                             r->path, g_strerror (r->write_errno));
          r->done (NULL, e, r->data);
        }
      else
        {
          OccMediaRecordResult res = {
            .path = r->path,
            .format = r->format == OCC_MEDIA_RECORD_WAV_ALAW ? "wav-alaw" : "wav-pcm16",
            .channels = r->channels,
            .duration_ms = r->frames * 1000 / MEDIA_RATE,
            .bytes = r->bytes,
            .sha256 = r->sha256,
          };
          r->done (&res, NULL, r->data);
        }
    }
  recording_free (r);
}

void
media_record_drop_message (const GstStructure *s)
{
  OccMediaRecording *r = NULL;
  gst_structure_get (s, "recording", G_TYPE_POINTER, &r, NULL);
  if (r == NULL)
    return;
  r->done = NULL;
  recording_free (r);
}

void
media_record_service_init (Media *m)
{
  m->service.record_start = record_start;
  m->service.record_attach = record_attach;
  m->service.record_detach = record_detach;
  m->service.record_pause = record_pause;
  m->service.record_stop = record_stop;
}

/* Unload: what is still being recorded is completed (header, hash), its
 * callback not called (nobody is left to hear it). */
void
media_record_clear (Media *m)
{
  MediaRecorder *w = g_steal_pointer (&m->recorder);
  if (w == NULL)
    return;
  g_mutex_lock (&w->lock);
  w->quit = TRUE;
  g_autoptr (GPtrArray) left = g_ptr_array_copy (w->recs, NULL, NULL);
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (w->thread);
  for (guint i = 0; i < left->len; i++)
    {
      OccMediaRecording *r = left->pdata[i];
      while (r->legs->len > 0)
        detach (r, r->legs->pdata[0]);
      r->done = NULL;
      recording_free (r);
    }
  g_ptr_array_unref (w->recs);
  gst_object_unref (w->bus);
  g_cond_clear (&w->cond);
  g_mutex_clear (&w->lock);
  g_free (w);
}
