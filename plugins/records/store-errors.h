/* records: the store's errors as the records service's errors. */
#pragma once

#include "fields.h"

G_BEGIN_DECLS

typedef enum {
  REC_OP_PUT,
  REC_OP_GET,
  REC_OP_FIND,
  REC_OP_REMOVE,
  REC_OP_SCREEN_POP,
} RecOpKind;

/* Maps @error from the store (for an @op on @entity, writing @record,
 * which may be NULL) to OCC_RECORDS_ERROR: a NOT NULL violation to
 * INVALID naming the field ("agent.display_name: is required"), a unique
 * one to CONFLICT naming it ("agent.extension: “1001” is taken by another
 * agent"; a number listed twice to INVALID), a foreign key to INVALID on
 * writes and CONFLICT on removes, anything else to STORE with the store's
 * message. Transfer full. */
GError *rec_error_from_store (const RecEntity *entity, const RecRecord *record, RecOpKind op,
                              const GError *error);

G_END_DECLS
