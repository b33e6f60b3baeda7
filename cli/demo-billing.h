/* The demo site's fake billing web service: the HTTP node of the demo IVR
 * asks it for the caller's balance. Loopback only, main context only. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#define OMNICC_DEMO_BILLING_BALANCE "12.50"
#define OMNICC_DEMO_BILLING_CURRENCY "EUR"
#define OMNICC_DEMO_BILLING_DUE "2026-12-03"

/* Adds GET /balance?number=N to @server: 200 with
 * {"number":N,"balance":B,"currency":"EUR","due":"2026-12-03"}, where B is
 * @balances[N] (number → balance text, both char *) or "12.50" when N is
 * not in it; 404 {"error":…} when @balances maps N to ""; 400 without a
 * number. @balances (may be NULL) is referenced, read at each request:
 * changes made to it later are served. */
void omnicc_demo_billing_add_handler (SoupServer *server, GHashTable *balances);

/* Starts the demo's billing service on 127.0.0.1 on a free port, on the
 * thread-default main context, and returns the port; 0 with @error set if
 * it could not listen. It answers until omnicc_demo_billing_stop() or the
 * end of the process. One at a time. */
guint16 omnicc_demo_billing_start (GError **error);
void omnicc_demo_billing_stop (void);
