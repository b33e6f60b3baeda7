/* dialer-pacing: the plugin boilerplate the pacing plugins share. Not
 * part of the public API (the template in share/dialer-pacing-template/
 * does without it). */
#pragma once

#include <omnicc/omnicc.h>
#include <omnicc/dialer.h>

/* Defines the pacing @NAME ("progressive") as a plugin "dialer-NAME" that
 * provides the service "dialer.pacing/NAME"; the remaining arguments are
 * OccDialerPacing fields (.decide = …, .flags = …). */
#define DIALER_PACING_DEFINE(NAME, SUMMARY, ...)                                             \
  static const OccDialerPacing dialer_pacing                                                 \
      = { .header = OCC_SERVICE_HEADER (OccDialerPacing, OCC_DIALER_PACING_VERSION),         \
          .name = NAME,                                                                      \
          .summary = SUMMARY,                                                                \
          __VA_ARGS__ };                                                                     \
  static OccLoadResult dialer_pacing_load (OccPlugin *plugin, GError **error)                \
  {                                                                                          \
    if (!occ_service_provide (plugin, OCC_DIALER_PACING_SERVICE_PREFIX NAME, &dialer_pacing, \
                              error))                                                        \
      return OCC_LOAD_FAILED;                                                                \
    return OCC_LOAD_OK;                                                                      \
  }                                                                                          \
  OCC_PLUGIN_DEFINE (.name = "dialer-" NAME, .version = "1.0",                               \
                     .summary = "dialer pacing: " SUMMARY, .license = "GPL-3.0-or-later",    \
                     .provides = OCC_LIST (OCC_DIALER_PACING_SERVICE_PREFIX NAME),           \
                     .load = dialer_pacing_load)
