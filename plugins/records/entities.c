/* records: the entity tables. One static table per entity; its lines
 * mirror the columns of share/sql/0001-initial.sql and 0002-audit.*.sql.
 * A field is named like its column. The exceptions: entity "user" is the
 * table app_user, and customer.phones is the side table customer_phone. */
#include "fields.h"

#include <string.h>

static const char *const channel_values[]
    = { "voice",     "video",     "chat", "email",   "sms", "whatsapp",
        "messenger", "instagram", "x",    "youtube", NULL };
static const char *const direction_values[] = { "inbound", "outbound", NULL };
static const char *const campaign_mode_values[]
    = { "preview", "progressive", "predictive", "appointment", "custom", NULL };
static const char *const campaign_state_values[]
    = { "draft", "running", "paused", "stopped", "done", NULL };
static const char *const contact_state_values[]
    = { "pending", "dialing", "done", "failed", "dnc", NULL };
static const char *const callback_state_values[]
    = { "pending", "dialing", "done", "failed", "cancelled", NULL };
static const char *const user_source_values[] = { "local", "ldap", NULL };

#define REQ REC_FIELD_REQUIRED
#define NN REC_FIELD_NOT_NULL

#define KEY                                                                    \
  {                                                                            \
    .name = "id", .kind = REC_KIND_ID, .flags = REC_FIELD_KEY | REQ, .max = 64 \
  }
#define ID(n, fl, r)                                                 \
  {                                                                  \
    .name = n, .kind = REC_KIND_ID, .flags = fl, .max = 64, .ref = r \
  }
#define TEXT(n, fl, m)                                      \
  {                                                         \
    .name = n, .kind = REC_KIND_TEXT, .flags = fl, .max = m \
  }
#define E164(n, fl)                                          \
  {                                                          \
    .name = n, .kind = REC_KIND_E164, .flags = fl, .max = 16 \
  }
#define EMAIL(n)                                  \
  {                                               \
    .name = n, .kind = REC_KIND_EMAIL, .max = 254 \
  }
#define ENUM(n, fl, v)                                         \
  {                                                            \
    .name = n, .kind = REC_KIND_ENUM, .flags = fl, .values = v \
  }
#define INT(n, fl, lo, hi)                                                         \
  {                                                                                \
    .name = n, .kind = REC_KIND_INT, .flags = fl, .min_value = lo, .max_value = hi \
  }
#define BOOL(n, fl)                               \
  {                                               \
    .name = n, .kind = REC_KIND_BOOL, .flags = fl \
  }
#define TIME(n, fl)                               \
  {                                               \
    .name = n, .kind = REC_KIND_TIME, .flags = fl \
  }
#define JSON(n)                                                 \
  {                                                             \
    .name = n, .kind = REC_KIND_JSON, .max = REC_JSON_MAX_BYTES \
  }
#define SHA256(n, fl)                                          \
  {                                                            \
    .name = n, .kind = REC_KIND_SHA256, .flags = fl, .max = 64 \
  }
#define PHONES(n, fl, m)                                      \
  {                                                           \
    .name = n, .kind = REC_KIND_PHONES, .flags = fl, .max = m \
  }
#define STAMPS                                                       \
  TIME ("created_at", REQ | REC_FIELD_READONLY | REC_FIELD_CREATED), \
      TIME ("updated_at", REQ | REC_FIELD_READONLY | REC_FIELD_UPDATED)

/* PostgreSQL's INTEGER is 32 bits */
#define INT32_MAX_VALUE G_MAXINT32

static const RecField customer_fields[] = {
  KEY,
  TEXT ("display_name", 0, 200),
  TEXT ("first_name", 0, 200),
  TEXT ("last_name", 0, 200),
  EMAIL ("email"),
  TEXT ("external_id", 0, 200),
  TEXT ("language", 0, 35),
  JSON ("custom"),
  PHONES ("phones", REC_FIELD_SIDE, 20),
  STAMPS,
};

static const RecSideTable customer_phones = { "customer_phone", "customer_id", "e164", "position" };

static const RecField interaction_fields[] = {
  KEY,
  ENUM ("channel", REQ, channel_values),
  ENUM ("direction", REQ, direction_values),
  TEXT ("from_addr", 0, 500),
  TEXT ("to_addr", 0, 500),
  ID ("customer_id", 0, "customer"),
  ID ("queue_id", 0, "queue"),
  ID ("agent_id", 0, "agent"),
  ID ("campaign_id", 0, "campaign"),
  TIME ("offered_at", REQ),
  TIME ("answered_at", 0),
  TIME ("ended_at", 0),
  TEXT ("disposition", 0, 100),
  TEXT ("reason", 0, 500),
  TEXT ("end_cause", 0, 100),
  ID ("recording_id", 0, "recording"),
  INT ("csat", 0, 1, 5),
  JSON ("variables"),
  STAMPS,
};

static const RecField agent_fields[] = {
  KEY,
  TEXT ("display_name", REQ, 200),
  TEXT ("extension", 0, 32),
  TEXT ("sip_ha1", 0, 128),
  BOOL ("enabled", NN),
  JSON ("skills"),
  STAMPS,
};

static const RecField queue_fields[] = {
  KEY, TEXT ("name", REQ, 200), ID ("strategy", NN, NULL), JSON ("settings"), STAMPS,
};

static const RecField campaign_fields[] = {
  KEY,
  TEXT ("name", REQ, 200),
  ENUM ("mode", REQ, campaign_mode_values),
  ENUM ("state", NN, campaign_state_values),
  ID ("queue_id", 0, "queue"),
  E164 ("caller_id", 0),
  JSON ("settings"),
  STAMPS,
};

static const RecField contact_fields[] = {
  KEY,
  ID ("campaign_id", REQ, "campaign"),
  ID ("customer_id", 0, "customer"),
  PHONES ("phones", REQ, 20),
  JSON ("fields"),
  ENUM ("state", NN, contact_state_values),
  INT ("priority", NN, -1000, 1000),
  INT ("attempts", NN, 0, INT32_MAX_VALUE),
  TIME ("next_attempt_at", 0),
  TEXT ("last_outcome", 0, 100),
  TIME ("appointment_at", 0), /* an appointment campaign's booked visit (0009) */
  STAMPS,
};

static const RecField callback_fields[] = {
  KEY,
  ID ("interaction_id", 0, "interaction"),
  ID ("queue_id", 0, "queue"),
  E164 ("number", REQ),
  TIME ("requested_at", REQ),
  TIME ("due_at", REQ),
  ENUM ("state", NN, callback_state_values),
  ID ("message_recording_id", 0, "recording"),
  INT ("attempts", NN, 0, INT32_MAX_VALUE),
  TEXT ("notes", 0, 4000),
  ID ("campaign_id", 0, "campaign"), /* the run that dials it (0009) */
  STAMPS,
};

static const RecField recording_fields[] = {
  KEY,
  ID ("interaction_id", REQ, "interaction"),
  TEXT ("path", REQ, 4096),
  TEXT ("format", REQ, 32),
  INT ("duration_ms", REQ, 0, G_MAXINT64),
  SHA256 ("sha256", REQ),
  TIME ("expires_at", 0),
  STAMPS,
};

static const RecField survey_answer_fields[] = {
  KEY,
  ID ("interaction_id", REQ, "interaction"),
  TEXT ("question", REQ, 500),
  INT ("answer", REQ, 1, 5),
  STAMPS,
};

static const RecField user_fields[] = {
  KEY,
  TEXT ("login", REQ, 128),
  TEXT ("display_name", 0, 200),
  ENUM ("source", NN, user_source_values),
  TEXT ("password_hash", 0, 512),
  BOOL ("enabled", NN),
  TIME ("password_changed_at", 0),
  STAMPS,
};

static const RecField role_grant_fields[] = {
  KEY,
  ID ("user_id", REQ, "user"),
  ID ("role", REQ, NULL),
  TEXT ("scope", 0, 200),
  TEXT ("justification", 0, 500),
  ID ("granted_by", 0, "user"),
  TIME ("granted_at", REQ),
  TIME ("revoked_at", 0),
  STAMPS,
};

static const RecField audit_entry_fields[] = {
  KEY,
  INT ("seq", REC_FIELD_READONLY, 1, G_MAXINT64),
  TIME ("at", REQ),
  TEXT ("actor", REQ, 200),
  TEXT ("action", REQ, 200),
  TEXT ("target", 0, 500),
  TEXT ("result", REQ, 100),
  TEXT ("source", 0, 200),
  JSON ("details"),
  SHA256 ("prev_hash", 0),
  SHA256 ("hash", 0),
};

#define ENTITY(n, t, f, fl, s)       \
  {                                  \
    n, t, f, G_N_ELEMENTS (f), fl, s \
  }

static const RecEntity entities[] = {
  ENTITY ("customer", "customer", customer_fields, 0, &customer_phones),
  ENTITY ("interaction", "interaction", interaction_fields, 0, NULL),
  ENTITY ("agent", "agent", agent_fields, 0, NULL),
  ENTITY ("queue", "queue", queue_fields, 0, NULL),
  ENTITY ("campaign", "campaign", campaign_fields, 0, NULL),
  ENTITY ("contact", "contact", contact_fields, 0, NULL),
  ENTITY ("callback", "callback", callback_fields, 0, NULL),
  ENTITY ("recording", "recording", recording_fields, 0, NULL),
  ENTITY ("survey_answer", "survey_answer", survey_answer_fields, 0, NULL),
  ENTITY ("user", "app_user", user_fields, 0, NULL),
  ENTITY ("role_grant", "role_grant", role_grant_fields, 0, NULL),
  ENTITY ("audit_entry", "audit_entry", audit_entry_fields, REC_ENTITY_APPEND_ONLY, NULL),
};

const RecEntity *
rec_entities (guint *n)
{
  *n = G_N_ELEMENTS (entities);
  return entities;
}

const RecEntity *
rec_entity_lookup (const char *name)
{
  if (name == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (strcmp (entities[i].name, name) == 0)
      return &entities[i];
  return NULL;
}

const RecField *
rec_entity_field (const RecEntity *entity, const char *name)
{
  for (guint i = 0; i < entity->n_fields; i++)
    if (strcmp (entity->fields[i].name, name) == 0)
      return &entity->fields[i];
  return NULL;
}

const RecField *
rec_entity_key (const RecEntity *entity)
{
  return &entity->fields[0]; /* by construction: KEY comes first */
}

const RecField *
rec_entity_side_field (const RecEntity *entity)
{
  for (guint i = 0; i < entity->n_fields; i++)
    if (entity->fields[i].flags & REC_FIELD_SIDE)
      return &entity->fields[i];
  return NULL;
}

char *
rec_entity_names (void)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", entities[i].name);
  return g_string_free (s, FALSE);
}

static const char *
kind_name (RecKind kind)
{
  switch (kind)
    {
    case REC_KIND_ID:
      return "id";
    case REC_KIND_TEXT:
      return "text";
    case REC_KIND_E164:
      return "e164";
    case REC_KIND_EMAIL:
      return "email";
    case REC_KIND_ENUM:
      return "enum";
    case REC_KIND_INT:
      return "int";
    case REC_KIND_BOOL:
      return "bool";
    case REC_KIND_TIME:
      return "time";
    case REC_KIND_JSON:
      return "json";
    case REC_KIND_SHA256:
      return "sha256";
    case REC_KIND_PHONES:
      return "e164[]";
    }
  g_assert_not_reached ();
}

char *
rec_field_type_string (const RecField *f)
{
  GString *s = g_string_new (kind_name (f->kind));
  if (f->kind == REC_KIND_ENUM)
    {
      g_autofree char *values = g_strjoinv ("|", (char **) f->values);
      g_string_append_printf (s, ":%s", values);
    }
  else if (f->kind == REC_KIND_INT && f->max_value == G_MAXINT64)
    g_string_append_printf (s, ":%" G_GINT64_FORMAT "..", f->min_value);
  else if (f->kind == REC_KIND_INT)
    g_string_append_printf (s, ":%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, f->min_value,
                            f->max_value);
  if (f->flags & REC_FIELD_READONLY)
    g_string_append (s, f->kind == REC_KIND_INT ? ",read-only" : ":read-only");
  return g_string_free (s, FALSE);
}

GVariant *
rec_describe (void)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sa(ssbu)}"));
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      const RecEntity *e = &entities[i];
      GVariantBuilder fb;
      g_variant_builder_init (&fb, G_VARIANT_TYPE ("a(ssbu)"));
      for (guint j = 0; j < e->n_fields; j++)
        {
          const RecField *f = &e->fields[j];
          g_autofree char *type = rec_field_type_string (f);
          /* what a caller must give on insert: not the id (made when missing)
           * nor what the plugin sets */
          gboolean required = (f->flags & REC_FIELD_REQUIRED)
                              && !(f->flags & (REC_FIELD_READONLY | REC_FIELD_KEY));
          g_variant_builder_add (&fb, "(ssbu)", f->name, type, required, f->max);
        }
      g_variant_builder_add (&b, "{sa(ssbu)}", e->name, &fb);
    }
  return g_variant_builder_end (&b);
}
