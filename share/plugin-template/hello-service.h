/* The "hello" service: how other plugins greet through this one.
 *
 * Give this header to the plugins that use the service (install it with
 * your plugin's -dev files, or copy it). The rules come from
 * <omnicc/service.h>: functions are only ever appended at the end of the
 * struct, each append bumps HELLO_SERVICE_VERSION, and a consumer that
 * needs a function appended later checks OCC_SERVICE_HAS (hello, field)
 * before calling it, so old providers and old consumers keep working.
 */
#pragma once

#include <omnicc/omnicc.h>

G_BEGIN_DECLS

#define HELLO_SERVICE_NAME "hello"
#define HELLO_SERVICE_VERSION 1

typedef struct _HelloService HelloService;

struct _HelloService {
  OccServiceHeader header; /* always first: the registry reads it */

  /* Version 1.
   *
   * greet: the greeting for @name in the site's configured words, also
   * published on the bus as hello.greeted. Returns transfer full. Main
   * thread only, like every omnicc call. */
  char *(*greet) (const HelloService *service, const char *name);
};

G_END_DECLS
