/* omnicc plugin API — the "audit" service: the tamper-evident trail of
 * significant actions (sign-ins, grants, configuration changes, plugin
 * loads, supervision, recording access, exports, imports, backups).
 *
 * Entries are appended, never changed or removed; each carries the hash
 * of the one before it, so that verify() finds an entry edited, removed or
 * moved. Calls are asynchronous: callbacks run on the main thread, exactly
 * once, never before the call returns.
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_AUDIT_SERVICE "audit"
#define OCC_AUDIT_VERSION 1

/* A quark is named by its string, so every plugin gets the same one (the
 * string is copied: a plugin's literals go away when it is unloaded). */
static inline GQuark
occ_audit_error_quark (void)
{
  return g_quark_from_string ("occ-audit-error-quark");
}
#define OCC_AUDIT_ERROR (occ_audit_error_quark ())

typedef enum {
  OCC_AUDIT_ERROR_INVALID, /* a field does not fit (empty actor, not UTF-8, too long) */
  OCC_AUDIT_ERROR_STORE,   /* the entry could not be written */
} OccAuditError;

/* Results of an action, as recorded. */
#define OCC_AUDIT_SUCCESS "success"
#define OCC_AUDIT_FAILURE "failure"
#define OCC_AUDIT_DENIED "denied"

/**
 * OccAuditCallback:
 * @result: (nullable): append: the entry as stored (a{sv}: seq, id, at,
 *   actor, action, target, result, source, details, prev_hash, hash);
 *   verify: a{sv} with "ok" (b), "entries" (x), and when not ok
 *   "first-bad-seq" (x) and "reason" (s). Transfer none.
 */
typedef void (*OccAuditCallback) (GVariant *result, const GError *error, gpointer user_data);

typedef struct _OccAuditService OccAuditService;

struct _OccAuditService {
  OccServiceHeader header;
  /* Appends one entry. @actor: who (a login, "system", a plugin name);
   * @action: dotted ("auth.sign-in", "user.grant", "plugin.load");
   * @target: (nullable) what it was done to; @result: one of
   * OCC_AUDIT_SUCCESS/FAILURE/DENIED; @source: (nullable) where from (an
   * address, "control uid=0 pid=…"); @details: (nullable) a{sv}, floating
   * references are sunk. Entries keep the order of the calls. */
  void (*append) (const OccAuditService *self, const char *actor, const char *action,
                  const char *target, const char *result, const char *source, GVariant *details,
                  OccAuditCallback callback, gpointer user_data);
  /* Re-reads the whole trail and checks every link. */
  void (*verify) (const OccAuditService *self, OccAuditCallback callback, gpointer user_data);
};

G_END_DECLS
