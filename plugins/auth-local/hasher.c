/* auth-local: Argon2id hashing on a bounded pool of workers; see hasher.h. */
#include "hasher.h"

#include <sodium.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* How much less CPU-worthy a hashing thread is than the main loop: when
 * every core is busy hashing, the main loop still gets one at once. */
#define WORKER_NICE 10

struct _AlHasher {
  GThreadPool *pool;
  GCancellable *cancel;
  guint max_queued;
};

/* --- secrets ---------------------------------------------------------------------- */

AlSecret *
al_secret_new (const char *data, gssize len)
{
  AlSecret *s = g_new0 (AlSecret, 1);
  s->len = len < 0 ? strlen (data) : (gsize) len;
  s->data = g_malloc (s->len + 1);
  memcpy (s->data, data, s->len);
  s->data[s->len] = '\0';
  return s;
}

void
al_secret_wipe (AlSecret *s)
{
  if (s && s->data)
    sodium_memzero (s->data, s->len + 1);
}

void
al_secret_free (AlSecret *s)
{
  if (s == NULL)
    return;
  al_secret_wipe (s);
  g_free (s->data);
  g_free (s);
}

/* no 0/O/o, 1/l/I: read from a file or a screen and typed in by a person */
static const char readable[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

static void
draw (char *out, gsize len)
{
  const guint n = sizeof readable - 1;
  const guint limit = 256 - 256 % n; /* bytes at or past it would bias the draw */
  guchar bytes[64];
  gsize used = sizeof bytes, filled = 0;
  while (filled < len)
    {
      if (used == sizeof bytes)
        {
          randombytes_buf (bytes, sizeof bytes);
          used = 0;
        }
      guchar b = bytes[used++];
      if (b < limit)
        out[filled++] = readable[b % n];
    }
  sodium_memzero (bytes, sizeof bytes);
}

static gboolean
has_classes (const char *s)
{
  gboolean upper = FALSE, lower = FALSE, digit = FALSE;
  for (; *s; s++)
    {
      upper |= g_ascii_isupper (*s);
      lower |= g_ascii_islower (*s);
      digit |= g_ascii_isdigit (*s);
    }
  return upper && lower && digit;
}

AlSecret *
al_secret_generate (void)
{
  AlSecret *s = g_new0 (AlSecret, 1);
  s->len = AL_ONE_TIME_LENGTH;
  s->data = g_malloc0 (s->len + 1);
  /* with an upper-case and a lower-case letter and a digit, so that it
   * would pass a policy's class rules (about 1 draw in 20 is redrawn) */
  do
    draw (s->data, s->len);
  while (!has_classes (s->data));
  return s;
}

/* --- jobs -------------------------------------------------------------------------- */

AlJob *
al_job_new (const AlPolicy *policy)
{
  AlJob *job = g_new0 (AlJob, 1);
  job->opslimit = policy->opslimit;
  job->memlimit = (gsize) policy->memlimit;
  return job;
}

void
al_job_free (AlJob *job)
{
  if (job == NULL)
    return;
  al_secret_free (job->secret);
  al_secret_free (job->new_secret);
  g_free (job->hash);
  g_free (job->dummy);
  g_strfreev (job->history);
  g_free (job->new_hash);
  g_free (job->made_dummy);
  g_free (job);
}

static char *
hash_secret (AlJob *job, const char *data, gsize len)
{
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str (out, data, len, job->opslimit, job->memlimit) != 0)
    {
      job->failed = TRUE;
      return NULL;
    }
  return g_strdup (out);
}

static gboolean
verify (const char *hash, const AlSecret *secret)
{
  return crypto_pwhash_str_verify (hash, secret->data, secret->len) == 0;
}

static void
job_verify (AlJob *job)
{
  if (job->hash == NULL)
    {
      /* spend what a real check costs, then fail */
      if (job->dummy)
        verify (job->dummy, job->secret);
      else
        {
          guchar random[16];
          randombytes_buf (random, sizeof random);
          job->made_dummy = hash_secret (job, (const char *) random, sizeof random);
        }
      job->verified = FALSE;
      return;
    }
  job->verified = verify (job->hash, job->secret);
  if (job->verified && job->rehash
      && crypto_pwhash_str_needs_rehash (job->hash, job->opslimit, job->memlimit) != 0)
    job->new_hash = hash_secret (job, job->secret->data, job->secret->len);
}

static gboolean
is_reused (AlJob *job)
{
  const AlSecret *s = job->new_secret;
  if (job->secret && job->secret->len == s->len
      && sodium_memcmp (job->secret->data, s->data, s->len) == 0)
    return TRUE;
  for (guint i = 0; job->history && job->history[i]; i++)
    if (verify (job->history[i], s))
      return TRUE;
  return FALSE;
}

static void
job_run (AlJob *job)
{
  if (job->secret)
    job_verify (job);
  if (job->new_secret && (job->secret == NULL || job->verified))
    {
      job->reused = job->check_reuse && is_reused (job);
      if (!job->reused)
        job->new_hash = hash_secret (job, job->new_secret->data, job->new_secret->len);
    }
  al_secret_wipe (job->secret);
  al_secret_wipe (job->new_secret);
}

/* --- the pool ------------------------------------------------------------------------ */

/* Lowers the calling thread's priority (Linux: nice is per thread). The
 * pool is exclusive, so only the plugin's own threads get it. */
static void
lower_priority (void)
{
#ifdef __linux__
  id_t tid = (id_t) syscall (SYS_gettid);
  if (getpriority (PRIO_PROCESS, tid) < WORKER_NICE)
    setpriority (PRIO_PROCESS, tid, WORKER_NICE);
#endif
}

static void
worker (gpointer data, gpointer pool_data)
{
  (void) pool_data;
  GTask *task = data;
  lower_priority ();
  AlJob *job = g_task_get_task_data (task);
  if (!g_task_return_error_if_cancelled (task))
    {
      job_run (job);
      g_task_return_boolean (task, TRUE);
    }
  else
    {
      al_secret_wipe (job->secret);
      al_secret_wipe (job->new_secret);
    }
  g_object_unref (task);
}

AlHasher *
al_hasher_new (guint threads, guint max_queued)
{
  AlHasher *h = g_new0 (AlHasher, 1);
  h->cancel = g_cancellable_new ();
  h->max_queued = max_queued;
  /* exclusive: the threads are the plugin's alone (and run at a lower
   * priority), at most @threads of them */
  h->pool = g_thread_pool_new (worker, NULL, (int) CLAMP (threads, 1, 16), TRUE, NULL);
  return h;
}

void
al_hasher_set_threads (AlHasher *h, guint threads)
{
  g_thread_pool_set_max_threads (h->pool, (int) CLAMP (threads, 1, 16), NULL);
}

guint
al_hasher_queued (AlHasher *h)
{
  return g_thread_pool_unprocessed (h->pool);
}

void
al_hasher_free (AlHasher *h)
{
  if (h == NULL)
    return;
  g_cancellable_cancel (h->cancel);
  /* queued jobs now return at once; this waits for the ones hashing */
  g_thread_pool_free (h->pool, FALSE, TRUE);
  g_object_unref (h->cancel);
  g_free (h);
}

gboolean
al_hasher_run (AlHasher *h, AlJob *job, GAsyncReadyCallback callback, gpointer user_data,
               GError **error)
{
  if (g_thread_pool_unprocessed (h->pool) >= h->max_queued)
    {
      al_job_free (job);
      g_set_error (error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_UNAVAILABLE,
                   "too many password checks are waiting (%u); try again later", h->max_queued);
      return FALSE;
    }
  GTask *task = g_task_new (NULL, h->cancel, callback, user_data);
  g_task_set_task_data (task, job, (GDestroyNotify) al_job_free);
  g_thread_pool_push (h->pool, task, NULL);
  return TRUE;
}

AlJob *
al_hasher_finish (GAsyncResult *result, GError **error)
{
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_task_get_task_data (G_TASK (result));
}
