/* prompt-gen: writes the IVR prompts of one language at build time.
 *
 *   prompt-gen --espeak PATH --voice VOICE --outdir DIR CATALOGUE
 *
 * CATALOGUE has one prompt a line, "name<TAB>text" (SSML), # comments. Each
 * becomes DIR/name.wav, RIFF PCM 16-bit mono 8 kHz: the text spoken by
 * espeak-ng (several at a time), resampled from its 22050 Hz and trimmed
 * of its leading and trailing silence so that words can be chained; or,
 * for the texts "!beep" and "!moh", a tone and a melody synthesised here.
 * Built for the build machine (native); GLib and GIO only. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define OUT_RATE 8000
#define MAX_SAMPLES (60 * 48000) /* one prompt: a minute at most */

typedef struct {
  char *name;
  char *text;
} Prompt;

typedef struct {
  gint16 *samples;
  gsize n;
} Pcm;

static void
prompt_clear (Prompt *p)
{
  g_free (p->name);
  g_free (p->text);
}

/* [a-z0-9-]+ */
static gboolean
valid_name (const char *name)
{
  return *name && strspn (name, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen (name);
}

static GArray *
read_catalogue (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GArray) prompts = g_array_new (FALSE, TRUE, sizeof (Prompt));
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_array_set_clear_func (prompts, (GDestroyNotify) prompt_clear);
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (!*line || *line == '#')
        continue;
      char *tab = strchr (line, '\t');
      if (tab)
        *tab = '\0';
      if (!tab || !valid_name (line) || !*g_strstrip (tab + 1)
          || g_hash_table_contains (seen, line))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: want a new name [a-z0-9-]+, a tab and a text", path, i + 1);
          return NULL;
        }
      Prompt p = { g_strdup (line), g_strdup (g_strstrip (tab + 1)) };
      g_array_append_val (prompts, p);
      g_hash_table_add (seen, p.name);
    }
  return g_steal_pointer (&prompts);
}

/* The "data" chunk of a 16-bit mono PCM WAV file, and its rate. */
static gboolean
read_wav (const char *path, Pcm *pcm, guint *rate, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0, pos = 12;
  gboolean have_format = FALSE;

  if (!g_file_get_contents (path, (char **) &data, &len, error))
    return FALSE;
  if (len < 12 || memcmp (data, "RIFF", 4) != 0 || memcmp (data + 8, "WAVE", 4) != 0)
    goto bad;
  while (pos + 8 <= len)
    {
      guint32 size = GUINT32_FROM_LE (*(guint32 *) (data + pos + 4));
      const guint8 *body = data + pos + 8;
      gsize avail = len - pos - 8;
      if (memcmp (data + pos, "fmt ", 4) == 0 && size >= 16 && avail >= 16)
        {
          guint16 format = GUINT16_FROM_LE (*(guint16 *) body);
          guint16 channels = GUINT16_FROM_LE (*(guint16 *) (body + 2));
          guint16 bits = GUINT16_FROM_LE (*(guint16 *) (body + 14));
          *rate = GUINT32_FROM_LE (*(guint32 *) (body + 4));
          if (format != 1 || channels != 1 || bits != 16 || *rate == 0)
            goto bad;
          have_format = TRUE;
        }
      else if (memcmp (data + pos, "data", 4) == 0 && have_format)
        {
          /* espeak-ng may leave the size unset: take what is there */
          gsize bytes = MIN ((gsize) size, avail) & ~(gsize) 1;
          pcm->n = MIN (bytes / 2, (gsize) MAX_SAMPLES);
          pcm->samples = g_new (gint16, pcm->n + 1);
          for (gsize i = 0; i < pcm->n; i++)
            pcm->samples[i] = (gint16) GUINT16_FROM_LE (*(guint16 *) (body + 2 * i));
          return TRUE;
        }
      pos += 8 + (gsize) size + (size & 1);
    }
bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not a 16-bit mono PCM WAV", path);
  return FALSE;
}

static gboolean
write_wav (const char *path, const float *samples, gsize n, GError **error)
{
  g_autoptr (GByteArray) wav = g_byte_array_sized_new (44 + 2 * n);
  guint32 u32;
  guint16 u16;
#define PUT(bytes, len) g_byte_array_append (wav, (const guint8 *) (bytes), len)
#define PUT32(v) (u32 = GUINT32_TO_LE (v), PUT (&u32, 4))
#define PUT16(v) (u16 = GUINT16_TO_LE (v), PUT (&u16, 2))
  PUT ("RIFF", 4);
  PUT32 ((guint32) (36 + 2 * n));
  PUT ("WAVEfmt ", 8);
  PUT32 (16);
  PUT16 (1);
  PUT16 (1);
  PUT32 (OUT_RATE);
  PUT32 (OUT_RATE * 2);
  PUT16 (2);
  PUT16 (16);
  PUT ("data", 4);
  PUT32 ((guint32) (2 * n));
  for (gsize i = 0; i < n; i++)
    {
      float v = CLAMP (samples[i], -1.0f, 1.0f) * 32767.0f;
      PUT16 ((guint16) (gint16) lrintf (v));
    }
#undef PUT
#undef PUT32
#undef PUT16
  return g_file_set_contents (path, (const char *) wav->data, (gssize) wav->len, error);
}

/* Windowed-sinc low-pass at 3.6 kHz and resampling to 8 kHz. */
static float *
resample (const Pcm *in, guint rate, gsize *n_out)
{
  const int half = 24; /* taps on each side, in input samples */
  const double fc = 3600.0 / rate, step = (double) rate / OUT_RATE;
  gsize n = (gsize) ((double) in->n / step);
  float *out = g_new0 (float, n + 1);

  for (gsize j = 0; j < n; j++)
    {
      double t = (double) j * step, acc = 0;
      long first = (long) floor (t) - half + 1, last = (long) floor (t) + half;
      for (long k = MAX (first, 0); k <= last && k < (long) in->n; k++)
        {
          double x = t - (double) k;
          double sinc = fabs (x) < 1e-9 ? 1.0 : sin (2 * G_PI * fc * x) / (2 * G_PI * fc * x);
          double window = 0.5 + 0.5 * cos (G_PI * x / half);
          acc += in->samples[k] / 32768.0 * 2 * fc * sinc * window;
        }
      out[j] = (float) acc;
    }
  *n_out = n;
  return out;
}

/* Keeps 40 ms of silence around the speech. */
static void
trim (float **samples, gsize *n)
{
  const gsize margin = OUT_RATE / 25;
  gsize first = 0, last = *n;
  while (first < *n && fabsf ((*samples)[first]) < 0.01f)
    first++;
  while (last > first && fabsf ((*samples)[last - 1]) < 0.01f)
    last--;
  first = first > margin ? first - margin : 0;
  last = MIN (last + margin, *n);
  memmove (*samples, *samples + first, (last - first) * sizeof (float));
  *n = last - first;
}

/* A note: a sine with a little of its octave, a soft attack and a long
 * decay, added into @out at @start. */
static void
add_note (float *out, gsize n, double start, double length, double freq, double level)
{
  gsize from = (gsize) (start * OUT_RATE), count = (gsize) (length * OUT_RATE);
  for (gsize i = 0; i < count && from + i < n; i++)
    {
      double t = (double) i / OUT_RATE;
      double attack = MIN (t / 0.04, 1.0), release = MIN ((length - t) / 0.08, 1.0);
      double envelope = attack * release * exp (-1.6 * t);
      double wave = sin (2 * G_PI * freq * t) + 0.2 * sin (4 * G_PI * freq * t);
      out[from + i] += (float) (level * envelope * wave);
    }
}

static double
midi_hz (int note)
{
  return 440.0 * pow (2.0, (note - 69) / 12.0);
}

/* Music on hold: 20 s, ten bars of two seconds, a melody of quarter notes
 * over the root of each bar's chord; it ends on the tonic so it loops. */
static float *
melody (gsize *n)
{
  static const int roots[10] = { 48, 45, 41, 43, 48, 45, 50, 43, 41, 48 };
  static const int tune[10][4] = {
    { 72, 76, 79, 76 }, { 69, 72, 76, 72 }, { 65, 69, 72, 77 }, { 67, 71, 74, 71 },
    { 76, 74, 72, 74 }, { 76, 79, 76, 72 }, { 74, 77, 81, 77 }, { 79, 77, 74, 71 },
    { 72, 69, 65, 69 }, { 72, 67, 64, 60 },
  };
  float *out = g_new0 (float, (*n = 20 * OUT_RATE));
  for (int bar = 0; bar < 10; bar++)
    {
      add_note (out, *n, bar * 2.0, 2.0, midi_hz (roots[bar]), 0.16);
      for (int beat = 0; beat < 4; beat++)
        add_note (out, *n, bar * 2.0 + beat * 0.5, 0.5, midi_hz (tune[bar][beat]), 0.22);
    }
  return out;
}

/* 1 kHz for 250 ms, 5 ms ramps against clicks. */
static float *
beep (gsize *n)
{
  float *out = g_new0 (float, (*n = OUT_RATE / 4));
  for (gsize i = 0; i < *n; i++)
    {
      double ramp = MIN (MIN (i, *n - 1 - i) / (OUT_RATE * 0.005), 1.0);
      out[i] = (float) (0.5 * ramp * sin (2 * G_PI * 1000.0 * i / OUT_RATE));
    }
  return out;
}

static gboolean
write_synth (const Prompt *p, const char *path, GError **error)
{
  g_autofree float *samples = NULL;
  gsize n = 0;
  if (strcmp (p->text, "!beep") == 0)
    samples = beep (&n);
  else if (strcmp (p->text, "!moh") == 0)
    samples = melody (&n);
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: unknown synthesised prompt %s",
                   p->name, p->text);
      return FALSE;
    }
  return write_wav (path, samples, n, error);
}

typedef struct {
  GSubprocess *process;
  const Prompt *prompt;
  char *raw; /* espeak-ng's own file */
  char *path;
} Job;

static void
job_clear (Job *job)
{
  g_clear_object (&job->process);
  g_free (job->raw);
  g_free (job->path);
}

static gboolean
job_finish (Job *job, GError **error)
{
  Pcm pcm = { 0 };
  guint rate = 0;
  gsize n = 0;
  g_autofree float *samples = NULL;

  if (!g_subprocess_wait_check (job->process, NULL, error))
    return FALSE;
  if (!read_wav (job->raw, &pcm, &rate, error))
    return FALSE;
  samples = resample (&pcm, rate, &n);
  g_free (pcm.samples);
  g_unlink (job->raw);
  trim (&samples, &n);
  return write_wav (job->path, samples, n, error);
}

int
main (int argc, char **argv)
{
  g_autofree char *espeak = NULL, *voice = NULL, *outdir = NULL;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "espeak", 0, 0, G_OPTION_ARG_FILENAME, &espeak, "espeak-ng", "PATH" },
    { "voice", 0, 0, G_OPTION_ARG_STRING, &voice, "espeak-ng voice", "VOICE" },
    { "outdir", 0, 0, G_OPTION_ARG_FILENAME, &outdir, "where the WAV files go", "DIR" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("CATALOGUE");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || !espeak || !voice
      || !outdir)
    {
      g_printerr ("usage: prompt-gen --espeak PATH --voice VOICE --outdir DIR CATALOGUE%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }
  g_autoptr (GArray) prompts = read_catalogue (argv[1], &error);
  if (!prompts || g_mkdir_with_parents (outdir, 0755) != 0)
    {
      g_printerr ("prompt-gen: %s\n", error ? error->message : g_strerror (errno));
      return 1;
    }

  /* espeak-ng is single-threaded: run one per processor */
  guint slots = MAX (g_get_num_processors (), 1), next = 0;
  g_autoptr (GArray) jobs = g_array_new (FALSE, TRUE, sizeof (Job));
  g_array_set_clear_func (jobs, (GDestroyNotify) job_clear);
  while (next < prompts->len || jobs->len > 0)
    {
      if (next < prompts->len && jobs->len < slots)
        {
          const Prompt *p = &g_array_index (prompts, Prompt, next++);
          g_autofree char *file = g_strconcat (p->name, ".wav", NULL);
          Job job = { NULL, p, NULL, g_build_filename (outdir, file, NULL) };
          if (p->text[0] == '!')
            {
              gboolean ok = write_synth (p, job.path, &error);
              job_clear (&job);
              if (!ok)
                break;
              continue;
            }
          job.raw = g_strconcat (job.path, ".espeak", NULL);
          job.process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, espeak, "-m", "-v",
                                          voice, "-s", "150", "-w", job.raw, p->text, NULL);
          if (!job.process)
            {
              job_clear (&job);
              break;
            }
          g_array_append_val (jobs, job);
          continue;
        }
      gboolean ok = job_finish (&g_array_index (jobs, Job, 0), &error);
      g_array_remove_index (jobs, 0);
      if (!ok)
        break;
    }
  if (error)
    {
      g_printerr ("prompt-gen: %s\n", error->message);
      return 1;
    }
  return 0;
}
