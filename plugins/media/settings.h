/* The media plugin's configuration, [media] in plugins.d/media.conf. */
#pragma once

#include "sdp.h"

typedef struct {
  char *address;     /* bind address (normalised IP literal) */
  char *sdp_address; /* c= and o=: public-address, else address */
  gboolean ipv6;
  guint port_min; /* even */
  guint port_max;
  MediaCodec codecs[MEDIA_CODEC_COUNT];
  guint n_codecs;
  gboolean opus_dropped; /* opus was listed but its elements are missing */
  guint jitter_ms;
  guint mix_delay_ms;
  guint threads;
  guint rtcp_interval_s;
} MediaSettings;

extern const OccConfigKey media_config_schema[];

/* Reads and checks every key of @kf (already checked against the schema
 * by the core); NULL with an error naming the key. Transfer full. */
MediaSettings *media_settings_new (GKeyFile *kf, gboolean have_opus, GError **error);
void media_settings_free (MediaSettings *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MediaSettings, media_settings_free)
