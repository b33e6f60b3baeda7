/* omnicc plugin API — the "records" service: the contact center's domain
 * records (customers and their numbers, interactions, agents, queues,
 * campaigns and contacts, call-backs, recordings, survey answers, users
 * and role grants, the audit trail), read and written without SQL.
 *
 * A record is an a{sv} dictionary whose keys are the entity's fields (see
 * docs/records.md, or describe() at run time). Every field is checked
 * before anything is written: unknown fields, wrong types, over-long or
 * non-UTF-8 text, numbers not in E.164, values outside an enumeration are
 * refused with OCC_RECORDS_ERROR_INVALID and a message naming the field.
 * A write is all or nothing.
 *
 * Times are "x" milliseconds since the epoch. Ids are text; put() makes
 * one (a UUID) when the record has none.
 *
 * Main thread only; callbacks run on the main thread, exactly once.
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_RECORDS_SERVICE "records"
#define OCC_RECORDS_VERSION 1

#define OCC_RECORDS_ERROR (occ_records_error_quark ())
/* A quark is named by its string, so every plugin gets the same one; the
 * string is copied (not from_static_string): a plugin's literals go away
 * when it is unloaded. */
static inline GQuark
occ_records_error_quark (void)
{
  return g_quark_from_string ("occ-records-error-quark");
}

typedef enum {
  OCC_RECORDS_ERROR_INVALID,   /* a field does not fit; the message names it */
  OCC_RECORDS_ERROR_NOT_FOUND, /* no such record */
  OCC_RECORDS_ERROR_CONFLICT,  /* a unique value is taken by another record */
  OCC_RECORDS_ERROR_STORE,     /* the store failed; the message says how */
} OccRecordsError;

/**
 * OccRecordsCallback:
 * @result: (nullable): a{sv} for one record, aa{sv} for a list, an a{sv}
 *   for screen_pop (transfer none); NULL on error.
 */
typedef void (*OccRecordsCallback) (GVariant *result, const GError *error, gpointer user_data);

typedef struct _OccRecordsService OccRecordsService;

struct _OccRecordsService {
  OccServiceHeader header;
  /* Inserts @record, or updates the record with its "id" (fields left out
   * keep their values). Answers with the stored record. */
  void (*put) (const OccRecordsService *self, const char *entity, GVariant *record,
               OccRecordsCallback callback, gpointer user_data);
  /* The record @id of @entity, or OCC_RECORDS_ERROR_NOT_FOUND. */
  void (*get) (const OccRecordsService *self, const char *entity, const char *id,
               OccRecordsCallback callback, gpointer user_data);
  /* Records of @entity whose fields equal those in @where (a{sv}, may be
   * empty), ordered by @order_by ("field" or "field desc", NULL: by id),
   * at most @limit (1..10000). Answers aa{sv}. */
  void (*find) (const OccRecordsService *self, const char *entity, GVariant *where,
                const char *order_by, guint limit, OccRecordsCallback callback, gpointer user_data);
  /* Deletes the record @id; NOT_FOUND if there was none. Audit entries
   * cannot be removed. */
  void (*remove) (const OccRecordsService *self, const char *entity, const char *id,
                  OccRecordsCallback callback, gpointer user_data);
  /* The screen-pop of a call: the customer owning the E.164 @number, their
   * numbers, and their last @n_interactions interactions, newest first:
   * a{sv} with "customer" (a{sv}), "phones" (as), "interactions" (aa{sv}).
   * NOT_FOUND when no customer has that number. */
  void (*screen_pop) (const OccRecordsService *self, const char *number, guint n_interactions,
                      OccRecordsCallback callback, gpointer user_data);
  /* The entities and their fields: a{sa(ssbu)} — entity -> (field, type,
   * required, max length or 0). Floating. */
  GVariant *(*describe) (const OccRecordsService *self);
};

G_END_DECLS
