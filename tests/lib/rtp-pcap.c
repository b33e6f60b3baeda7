/* pcap captures of RTP; see rtp-pcap.h. */
#include "rtp-pcap.h"

#include <gio/gio.h>
#include <string.h>

#define PCAP_MAGIC 0xa1b2c3d4u
#define LINK_ETHERNET 1
#define ETHERNET_LEN 14
#define IPV4_LEN 20
#define UDP_LEN 8
#define RTP_LEN 12
#define HEADERS_LEN (ETHERNET_LEN + IPV4_LEN + UDP_LEN + RTP_LEN)
#define FAKE_PORT 6000

/* Appends the @n low bytes of @v, most significant first if @big. */
static void
put (GByteArray *b, guint64 v, guint n, gboolean big)
{
  guint8 x[8];
  for (guint i = 0; i < n; i++)
    x[big ? n - 1 - i : i] = (guint8) (v >> (8 * i));
  g_byte_array_append (b, x, n);
}

/* Reads @n bytes at @p, most significant first if @big. */
static guint64
get (const guint8 *p, guint n, gboolean big)
{
  guint64 v = 0;
  for (guint i = 0; i < n; i++)
    v |= (guint64) p[big ? n - 1 - i : i] << (8 * i);
  return v;
}

GByteArray *
occ_test_pcap_new (void)
{
  GByteArray *b = g_byte_array_new ();
  put (b, PCAP_MAGIC, 4, FALSE);
  put (b, 2, 2, FALSE); /* version 2.4 */
  put (b, 4, 2, FALSE);
  put (b, 0, 4, FALSE); /* UTC offset, accuracy */
  put (b, 0, 4, FALSE);
  put (b, 65535, 4, FALSE); /* snapshot length */
  put (b, LINK_ETHERNET, 4, FALSE);
  return b;
}

static guint16
ip_checksum (const guint8 *h, gsize len)
{
  guint32 sum = 0;
  for (gsize i = 0; i + 1 < len; i += 2)
    sum += (guint32) (h[i] << 8 | h[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

static void
put_ipv4 (GByteArray *b, gsize ip_len)
{
  guint start = b->len;
  put (b, 0x4500, 2, TRUE); /* version 4, 20 bytes, no TOS */
  put (b, ip_len, 2, TRUE);
  put (b, 0, 2, TRUE);      /* identification */
  put (b, 0x4000, 2, TRUE); /* don't fragment */
  put (b, 64, 1, TRUE);     /* TTL */
  put (b, 17, 1, TRUE);     /* UDP */
  put (b, 0, 2, TRUE);      /* the checksum, below */
  put (b, 0x7f000001, 4, TRUE);
  put (b, 0x7f000001, 4, TRUE);
  guint16 sum = ip_checksum (b->data + start, IPV4_LEN);
  b->data[start + 10] = (guint8) (sum >> 8);
  b->data[start + 11] = (guint8) sum;
}

void
occ_test_pcap_add_rtp (GByteArray *pcap, guint64 time_us, const OccTestRtpHeader *rtp,
                       const guint8 *payload, gsize len)
{
  const guint8 mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
  gsize udp_len = UDP_LEN + RTP_LEN + len;
  gsize ip_len = IPV4_LEN + udp_len;
  put (pcap, time_us / G_USEC_PER_SEC, 4, FALSE); /* the record: time, lengths */
  put (pcap, time_us % G_USEC_PER_SEC, 4, FALSE);
  put (pcap, ETHERNET_LEN + ip_len, 4, FALSE);
  put (pcap, ETHERNET_LEN + ip_len, 4, FALSE);
  g_byte_array_append (pcap, mac, sizeof mac);
  put (pcap, 0x0800, 2, TRUE);
  put_ipv4 (pcap, ip_len);
  put (pcap, FAKE_PORT, 2, TRUE);
  put (pcap, FAKE_PORT, 2, TRUE);
  put (pcap, udp_len, 2, TRUE);
  put (pcap, 0, 2, TRUE); /* no UDP checksum */
  put (pcap, 0x80, 1, TRUE);
  put (pcap, (rtp->marker ? 0x80u : 0u) | (rtp->payload_type & 0x7fu), 1, TRUE);
  put (pcap, rtp->seq, 2, TRUE);
  put (pcap, rtp->timestamp, 4, TRUE);
  put (pcap, rtp->ssrc, 4, TRUE);
  g_byte_array_append (pcap, payload, (guint) len);
}

static void
packet_free (gpointer data)
{
  OccTestPcapPacket *p = data;
  g_free (p->payload);
  g_free (p);
}

/* The packet of the record at @data (@len bytes), NULL if it is not
 * Ethernet/IPv4/UDP/RTP v2. */
static OccTestPcapPacket *
parse_record (const guint8 *data, gsize len, guint64 time_us)
{
  if (len < HEADERS_LEN || get (data + 12, 2, TRUE) != 0x0800)
    return NULL;
  const guint8 *ip = data + ETHERNET_LEN;
  if (ip[0] != 0x45 || ip[9] != 17 || ip_checksum (ip, IPV4_LEN) != 0)
    return NULL;
  gsize ip_len = get (ip + 2, 2, TRUE);
  const guint8 *udp = ip + IPV4_LEN;
  if (ip_len + ETHERNET_LEN > len || get (udp + 4, 2, TRUE) != ip_len - IPV4_LEN)
    return NULL;
  const guint8 *rtp = udp + UDP_LEN;
  if ((rtp[0] & 0xc0) != 0x80 || (rtp[0] & 0x3f) != 0)
    return NULL; /* version 2, no padding, extension or CSRCs here */
  OccTestPcapPacket *p = g_new0 (OccTestPcapPacket, 1);
  p->time_us = time_us;
  p->rtp.marker = (rtp[1] & 0x80) != 0;
  p->rtp.payload_type = rtp[1] & 0x7f;
  p->rtp.seq = (guint16) get (rtp + 2, 2, TRUE);
  p->rtp.timestamp = (guint32) get (rtp + 4, 4, TRUE);
  p->rtp.ssrc = (guint32) get (rtp + 8, 4, TRUE);
  p->len = ip_len - IPV4_LEN - UDP_LEN - RTP_LEN;
  p->payload = g_memdup2 (rtp + RTP_LEN, p->len ? p->len : 1);
  return p;
}

GPtrArray *
occ_test_pcap_read_rtp (const char *path, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, (char **) &data, &len, error))
    return NULL;
  if (len < 24 || get (data, 4, FALSE) != PCAP_MAGIC || get (data + 20, 4, FALSE) != LINK_ETHERNET)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: not a little-endian pcap capture of Ethernet", path);
      return NULL;
    }
  g_autoptr (GPtrArray) packets = g_ptr_array_new_with_free_func (packet_free);
  for (gsize pos = 24; pos < len;)
    {
      gsize caught = pos + 16 <= len ? get (data + pos + 8, 4, FALSE) : 0;
      if (pos + 16 > len || caught > len - pos - 16)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: record %u at byte %" G_GSIZE_FORMAT " is cut short", path, packets->len,
                       pos);
          return NULL;
        }
      guint64 us = get (data + pos, 4, FALSE) * G_USEC_PER_SEC + get (data + pos + 4, 4, FALSE);
      OccTestPcapPacket *p = parse_record (data + pos + 16, caught, us);
      if (p == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: record %u is not IPv4/UDP/RTP", path, packets->len);
          return NULL;
        }
      g_ptr_array_add (packets, p);
      pos += 16 + caught;
    }
  return g_steal_pointer (&packets);
}
