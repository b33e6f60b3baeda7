/* auth-local: Argon2id hashing off the main loop.
 *
 * Hashing a password costs tens of milliseconds on purpose, so it never
 * runs on the main loop: each AlJob runs in a GTask on a small GThreadPool
 * of the plugin's own (a burst of sign-ins waits in its queue instead of
 * starting threads), and its callback comes back on the main loop. Secrets
 * are wiped in the worker as soon as they are hashed or verified. */
#pragma once

#include "policy.h"

G_BEGIN_DECLS

/* A secret: its own copy of the bytes, wiped (sodium_memzero) when freed. */
typedef struct {
  char *data; /* NUL-terminated */
  gsize len;
} AlSecret;

AlSecret *al_secret_new (const char *data, gssize len);
void al_secret_wipe (AlSecret *secret);
void al_secret_free (AlSecret *secret);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AlSecret, al_secret_free)

/* A one-time password: 20 characters of a readable alphabet (no 0/O/o,
 * 1/l/I), from randombytes_buf, with at least one upper-case letter,
 * lower-case letter and digit (about 116 bits). */
#define AL_ONE_TIME_LENGTH 20
AlSecret *al_secret_generate (void);

/**
 * AlJob:
 *
 * What a worker does, in this order, and what it found. Fill the inputs on
 * the main thread; read the outputs in the callback.
 *
 * 1. @secret set: verify it against @hash. When @hash is NULL (unknown
 *    login, no password) verify it against @dummy instead, so the answer
 *    takes as long as a real one, and fail; without a @dummy, hash a random
 *    secret (same cost) and leave the result in @made_dummy. When verified,
 *    @rehash is set and libsodium says @hash needs one: hash @secret anew
 *    into @new_hash.
 * 2. @new_secret set (and @secret verified, or no @secret): when
 *    @check_reuse, @new_secret may equal neither @secret nor any hash in
 *    @history (@reused otherwise); then hash it into @new_hash.
 */
typedef struct {
  /* in */
  AlSecret *secret;
  char *hash;
  char *dummy;
  gboolean rehash;
  AlSecret *new_secret;
  gboolean check_reuse;
  char **history;
  guint64 opslimit;
  gsize memlimit;
  /* out */
  gboolean verified;
  gboolean reused;
  gboolean failed; /* libsodium could not hash (out of memory) */
  char *new_hash;
  char *made_dummy;
} AlJob;

/* A job hashing with @policy's limits (the secrets are added by the caller). */
AlJob *al_job_new (const AlPolicy *policy);
void al_job_free (AlJob *job);

typedef struct _AlHasher AlHasher;

/* A pool of at most @threads (1..16) workers; at most @max_queued jobs wait. */
AlHasher *al_hasher_new (guint threads, guint max_queued);
void al_hasher_set_threads (AlHasher *hasher, guint threads);
/* Jobs waiting for a worker now. */
guint al_hasher_queued (AlHasher *hasher);
/* Cancels the jobs still queued (they finish with G_IO_ERROR_CANCELLED),
 * waits for the ones running, and frees the pool. Their callbacks still
 * run later, on the main loop. */
void al_hasher_free (AlHasher *hasher);

/* Runs @job (transfer full) on a worker and calls @callback on the main
 * loop. FALSE, with @error set (OCC_AUTH_ERROR_UNAVAILABLE) and the job
 * freed, when the queue is full. Main thread. */
gboolean al_hasher_run (AlHasher *hasher, AlJob *job, GAsyncReadyCallback callback,
                        gpointer user_data, GError **error);
/* The finished job (transfer none: it lives as long as @result), or NULL
 * with @error set when it was cancelled. */
AlJob *al_hasher_finish (GAsyncResult *result, GError **error);

G_END_DECLS
