/* See ports.h. */
#include "ports.h"

#include <omnicc/media.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DSCP_EF 0xb8

struct _MediaPorts {
  GMutex lock;
  guint min, max;
  guint cursor;     /* next RTP port to try */
  GHashTable *used; /* RTP ports in use */
};

MediaPorts *
media_ports_new (void)
{
  MediaPorts *p = g_new0 (MediaPorts, 1);
  g_mutex_init (&p->lock);
  p->used = g_hash_table_new (NULL, NULL);
  return p;
}

void
media_ports_free (MediaPorts *p)
{
  if (p == NULL)
    return;
  g_hash_table_unref (p->used);
  g_mutex_clear (&p->lock);
  g_free (p);
}

void
media_ports_set_range (MediaPorts *p, guint min, guint max)
{
  g_mutex_lock (&p->lock);
  p->min = min;
  p->max = max;
  if (p->cursor < min || p->cursor + 1 > max)
    p->cursor = min;
  g_mutex_unlock (&p->lock);
}

static int
bind_udp (const struct sockaddr_storage *ss, socklen_t len, guint port)
{
  int fd = socket (ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_storage a = *ss;
  int tos = DSCP_EF;
  if (a.ss_family == AF_INET6)
    {
      int on = 1;
      setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
      setsockopt (fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
      ((struct sockaddr_in6 *) &a)->sin6_port = htons ((guint16) port);
    }
  else
    {
      setsockopt (fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
      ((struct sockaddr_in *) &a)->sin_port = htons ((guint16) port);
    }
  if (bind (fd, (struct sockaddr *) &a, len) < 0)
    {
      int e = errno;
      close (fd);
      errno = e;
      return -1;
    }
  return fd;
}

static gboolean
parse_address (const char *address, struct sockaddr_storage *ss, socklen_t *len)
{
  memset (ss, 0, sizeof *ss);
  struct sockaddr_in *in4 = (struct sockaddr_in *) ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;
  if (inet_pton (AF_INET, address, &in4->sin_addr) == 1)
    {
      in4->sin_family = AF_INET;
      *len = sizeof *in4;
      return TRUE;
    }
  if (inet_pton (AF_INET6, address, &in6->sin6_addr) == 1)
    {
      in6->sin6_family = AF_INET6;
      *len = sizeof *in6;
      return TRUE;
    }
  return FALSE;
}

gboolean
media_ports_open (MediaPorts *p, const char *address, guint *port, int *rtp_fd, int *rtcp_fd,
                  GError **error)
{
  struct sockaddr_storage ss;
  socklen_t len;
  if (!parse_address (address, &ss, &len))
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES,
                   "media address %s is not an IP address", address);
      return FALSE;
    }
  g_mutex_lock (&p->lock);
  guint pairs = (p->max - p->min + 1) / 2;
  int last_errno = 0;
  gboolean ok = FALSE;
  for (guint i = 0; i < pairs && !ok; i++)
    {
      guint rtp = p->cursor;
      p->cursor += 2;
      if (p->cursor + 1 > p->max)
        p->cursor = p->min;
      if (g_hash_table_contains (p->used, GUINT_TO_POINTER (rtp)))
        continue;
      int a = bind_udp (&ss, len, rtp);
      int b = a >= 0 ? bind_udp (&ss, len, rtp + 1) : -1;
      if (a < 0 || b < 0)
        {
          last_errno = errno;
          if (a >= 0)
            close (a);
          continue;
        }
      g_hash_table_add (p->used, GUINT_TO_POINTER (rtp));
      *port = rtp;
      *rtp_fd = a;
      *rtcp_fd = b;
      ok = TRUE;
    }
  guint min = p->min, max = p->max;
  g_mutex_unlock (&p->lock);
  if (!ok)
    g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES,
                 "no free RTP port pair in %u-%u on %s%s%s", min, max, address,
                 last_errno ? ": " : "", last_errno ? g_strerror (last_errno) : "");
  return ok;
}

void
media_ports_close (MediaPorts *p, guint port, int rtp_fd, int rtcp_fd)
{
  if (rtp_fd >= 0)
    close (rtp_fd);
  if (rtcp_fd >= 0)
    close (rtcp_fd);
  g_mutex_lock (&p->lock);
  g_hash_table_remove (p->used, GUINT_TO_POINTER (port));
  g_mutex_unlock (&p->lock);
}
