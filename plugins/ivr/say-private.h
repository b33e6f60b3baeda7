/* Inside say: what each language provides (say-fr.c, say-en.c) to the
 * parser and dispatcher (say.c). Every value here has been checked: the
 * languages only choose words. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest whole number read: 999 999 999 999. */
#define IVR_SAY_MAX_INTEGER G_GUINT64_CONSTANT (999999999999)
/* Digits read after a decimal point. */
#define IVR_SAY_MAX_DECIMALS 6

typedef struct {
  const char *code;   /* "EUR" */
  const char *stem;   /* prompt names: stem, stem-pl, stem-of */
  gboolean has_cents; /* XOF has none */
} IvrSayCurrency;

typedef struct {
  const char *name; /* "fr" */
  /* A whole number (<= IVR_SAY_MAX_INTEGER); @feminine: before a feminine
   * noun (fr "une heure"). */
  void (*integer) (guint64 n, gboolean feminine, GPtrArray *out);
  /* After the integer part: the decimal point and @digits (1 to
   * IVR_SAY_MAX_DECIMALS ASCII digits). */
  void (*decimals) (const char *digits, GPtrArray *out);
  /* @units and @cents (< 100, 0 without has_cents), after "minus" if any. */
  void (*amount) (guint64 units, guint cents, const IvrSayCurrency *currency, GPtrArray *out);
  void (*date) (guint year, guint month, guint day, GPtrArray *out);
  void (*time) (guint hour, guint minute, GPtrArray *out);
} IvrSayLang;

extern const IvrSayLang ivr_say_fr;
extern const IvrSayLang ivr_say_en;

/* Appends a copy of @name; and a name made with printf. */
void ivr_say_add (GPtrArray *out, const char *name);
void ivr_say_addf (GPtrArray *out, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
