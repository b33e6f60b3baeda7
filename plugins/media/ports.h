/* RTP/RTCP port pairs: an even port for RTP, the one above for RTCP, both
 * bound on the media address. Thread-safe (a leg's sockets are closed on
 * whichever thread lets the leg go last). */
#pragma once

#include <glib.h>

typedef struct _MediaPorts MediaPorts;

MediaPorts *media_ports_new (void);
void media_ports_free (MediaPorts *ports);

/* Sets the range for later allocations (ports in use stay in use). */
void media_ports_set_range (MediaPorts *ports, guint min, guint max);

/**
 * media_ports_open:
 *
 * Binds a free pair in the range on @address (an IP literal): non-blocking
 * UDP sockets, marked for expedited forwarding (DSCP EF). Pairs are
 * handed out in turn, so that a pair just freed is the last to be used
 * again (late packets of the old call go nowhere). FALSE with
 * OCC_MEDIA_ERROR_RESOURCES when every pair is taken or will not bind.
 */
gboolean media_ports_open (MediaPorts *ports, const char *address, guint *port, int *rtp_fd,
                           int *rtcp_fd, GError **error);

/* Closes the sockets and frees the pair. */
void media_ports_close (MediaPorts *ports, guint port, int rtp_fd, int rtcp_fd);
