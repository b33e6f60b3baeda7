/* Fuzz target: events as JSON (occ_event_from_json), and the round trip of
 * whatever it accepts. */
#include "bus-private.h"

#include "fuzz-log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (OccEvent) ev = occ_event_from_json ((const char *) data, size, &e);
  if (ev == NULL)
    {
      g_assert (e != NULL && e->message != NULL);
      return 0;
    }
  /* anything accepted must survive a second trip unchanged */
  g_autofree char *json = occ_event_to_json (ev);
  g_autoptr (OccEvent) again = occ_event_from_json (json, -1, NULL);
  g_assert (again != NULL && occ_event_equal (ev, again));
  return 0;
}
