/* auth-local: the plugin's state and its operations, shared by the
 * service (accounts.c), the password history (history.c), the first-run
 * administrator (bootstrap.c) and the control commands (commands.c).
 *
 * Everything here runs on the main thread. An operation (AlOp) is a chain
 * of asynchronous steps — a records call, a store call, a hashing job —
 * with exactly one step in flight at a time; each step stores what it
 * found (or op->error) in the op and calls the next. */
#pragma once

#include "hasher.h"
#include "policy.h"

G_BEGIN_DECLS

#define AL_SOURCE "local"
#define AL_SERVICE_NAME OCC_AUTH_SERVICE_PREFIX AL_SOURCE
/* The record id of the administrator made at first run. */
#define AL_BOOTSTRAP_ID "auth-local:bootstrap-admin"
#define AL_BOOTSTRAP_LOGIN "admin"
#define AL_BOOTSTRAP_FILE "initial-admin-password"
/* Hashing jobs that may wait for a worker before sign-ins are refused. */
#define AL_MAX_QUEUED 1000
#define AL_DEFAULT_THREADS 2

typedef struct _AuthLocal AuthLocal;
typedef struct _AlOp AlOp;

struct _AuthLocal {
  OccAuthService service; /* first: the methods get it as their self */
  gint ref;               /* the plugin's, and one per operation */
  OccPlugin *plugin;      /* NULL once unloaded */
  const OccRecordsService *records;
  const OccStoreService *store;
  GCancellable *cancel; /* store calls; cancelled on unload */
  AlPolicy policy;
  AlHasher *hasher;      /* NULL once unloaded */
  char *dummy_hash;      /* made with the policy's limits, for unknown logins */
  GHashTable *pending;   /* AlOp *: operations not answered yet */
  char *bootstrap_path;  /* <state-dir>/initial-admin-password */
  guint bootstrap_retry; /* a timeout source, 0 for none */
};

/* The way an operation answers: OccAuthCallback's shape. */
typedef void (*AlDoneFunc) (GVariant *result, const GError *error, gpointer user_data);
typedef void (*AlStep) (AlOp *op);

struct _AlOp {
  AuthLocal *self;  /* a reference */
  const char *what; /* "sign-in", "password change"…, for the log */
  char *login;
  char *who;            /* the login quoted, for messages */
  AlSecret *secret;     /* given to the hashing job, which wipes it */
  AlSecret *new_secret; /* likewise */
  GVariant *user;       /* the account's record once found (NULL: none) */
  GVariant *found;      /* what al_op_find() found: aa{sv} */
  char **history;       /* hashes of the account's last passwords */
  AlJob *job;           /* the finished hashing job (its task's, transfer none) */
  GTask *job_task;      /* keeps @job alive until the next step */
  char *new_hash;       /* taken from @job */
  GError *error;        /* what the last step failed with */
  AlStep next;          /* the step after the one in flight */
  AlStep user_next;     /* al_op_find_user()'s */
  gboolean answered;    /* the caller has its answer (unload answers early) */
  gboolean auth_errors; /* answer errors in OCC_AUTH_ERROR only */
  gboolean held;
  AlDoneFunc done;
  gpointer done_data;
  gpointer data; /* the operation's own */
  GDestroyNotify data_free;
};

/* --- plugin.c ----------------------------------------------------------------------- */

AuthLocal *al_ref (AuthLocal *self);
void al_unref (AuthLocal *self);

/* --- ops.c -------------------------------------------------------------------------- */

/* A new operation answering @done once. @auth_errors: map errors of other
 * domains (records, store) to OCC_AUTH_ERROR_UNAVAILABLE. NULL, with @done
 * answered later (UNAVAILABLE), once the plugin is unloaded. */
AlOp *al_op_new (AuthLocal *self, const char *what, gboolean auth_errors, AlDoneFunc done,
                 gpointer done_data);
/* Sets op->login and op->who. */
void al_op_set_login (AlOp *op, const char *login);
/* Answers (unless unload did) and frees the op. */
void al_op_finish (AlOp *op, GVariant *result, const GError *error);
/* When the last step failed: answers op->error, frees the op, TRUE. */
gboolean al_op_failed (AlOp *op);
/* al_op_finish() with @error (transfer full) from an idle source, so that
 * the caller is never answered before its call returned. */
void al_op_fail_later (AlOp *op, GError *error);
/* FALSE when unload answered @op while a step was in flight: the op is
 * then freed, and the step must stop. Call first in every step's callback. */
gboolean al_op_alive (AlOp *op);
/* Answers every pending operation with @error (unload). */
void al_op_answer_all (AuthLocal *self, const GError *error);

/* Steps: each sets op->error on failure, and calls @next either way. */
/* Finds users (records.find) into op->found. @where: floating or full. */
void al_op_find (AlOp *op, GVariant *where, const char *order_by, guint limit, AlStep next);
/* Finds the local account op->login into op->user (NULL when none);
 * without a login, any local account. */
void al_op_find_user (AlOp *op, AlStep next);
/* Writes @record (floating or full) as a user; op->user is the stored one. */
void al_op_put_user (AlOp *op, GVariant *record, AlStep next);
/* Runs @job on a worker; op->job is the finished job. */
void al_op_run_job (AlOp *op, AlJob *job, AlStep next);

/* The login's identity a{sv} from its record (floating). */
GVariant *al_identity (AuthLocal *self, GVariant *user);
/* Fields of a user record. */
const char *al_user_string (GVariant *user, const char *field);
gint64 al_user_time (GVariant *user, const char *field, gint64 fallback);
gboolean al_user_enabled (GVariant *user);

/* --- history.c ---------------------------------------------------------------------- */

/* The hashes of op->user's last policy.history passwords into op->history. */
void al_history_load (AlOp *op, AlStep next);
/* Adds @hash as op->user's newest password and forgets those past the
 * policy's history. */
void al_history_add (AlOp *op, const char *hash, AlStep next);

/* --- accounts.c --------------------------------------------------------------------- */

/* The service's methods, with any answer function (the control commands
 * use them too). */
void al_authenticate (AuthLocal *self, const char *login, const char *secret, gssize secret_len,
                      gboolean auth_errors, AlDoneFunc done, gpointer data);
void al_lookup (AuthLocal *self, const char *login, AlDoneFunc done, gpointer data);
void al_change_password (AuthLocal *self, const char *login, const char *old_secret, gssize old_len,
                         const char *new_secret, gssize new_len, gboolean auth_errors,
                         AlDoneFunc done, gpointer data);
/* A local account to create. */
typedef struct {
  const char *id; /* NULL: a new UUID */
  const char *login;
  const char *display_name; /* nullable */
  const char *secret;       /* NULL: a one-time password is made */
  gssize secret_len;
  gboolean must_change; /* also TRUE with a one-time password */
  /* nullable: called with the password once it is hashed and before the
   * account is written; FALSE (with @error) stops there. */
  gboolean (*before_write) (const AlSecret *password, gpointer data, GError **error);
} AlNewAccount;

/* Creates a local account and adds its password to the history (the
 * service's add_account, auth-local.add, the first-run administrator).
 * Answers the account's identity, with the one-time password (once) as
 * one-time-password when one was made. A taken login fails with
 * OCC_RECORDS_ERROR_CONFLICT, or OCC_AUTH_ERROR_EXISTS with @auth_errors. */
void al_create_account (AuthLocal *self, const AlNewAccount *account, gboolean auth_errors,
                        AlDoneFunc done, gpointer data);
/* Sets the enabled flag of @login (the service's set_enabled,
 * auth-local.enable and .disable). Answers the identity with "enabled"
 * (b). An unknown login fails with OCC_RECORDS_ERROR_NOT_FOUND, or
 * OCC_AUTH_ERROR_DENIED with @auth_errors. */
void al_set_enabled (AuthLocal *self, const char *login, gboolean enabled, gboolean auth_errors,
                     AlDoneFunc done, gpointer data);
/* Fills in the OccAuthService methods. */
void al_service_init (AuthLocal *self);

/* --- bootstrap.c -------------------------------------------------------------------- */

/* Makes the first-run administrator when no local account exists. */
void al_bootstrap_start (AuthLocal *self);
/* Called after a password change of @user: removes the one-time password
 * file when it is the first-run administrator's. */
void al_bootstrap_password_changed (AuthLocal *self, GVariant *user);

/* --- commands.c --------------------------------------------------------------------- */

gboolean al_commands_register (AuthLocal *self, GError **error);

/* --- plugin.c ----------------------------------------------------------------------- */

/* Re-reads the policy; FALSE (policy kept) with @error on a bad file. */
gboolean al_reload_policy (AuthLocal *self, GError **error);

G_END_DECLS
