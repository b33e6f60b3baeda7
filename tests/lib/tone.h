/* Tones for media tests: made (as WAV files, and as pcap captures of G.711
 * RTP for sipp's play_pcap_audio) and found again (in WAV files, or in
 * samples decoded from RTP), so that a test can assert that audio really
 * went from one end to the other. No sox needed: the few formats involved
 * are written and read here. */
#pragma once

#include <glib.h>

/* G.711 (ITU-T): µ-law (PCMU, payload type 0) and A-law (PCMA, 8). */
guint8 occ_test_ulaw_encode (gint16 sample);
gint16 occ_test_ulaw_decode (guint8 code);
gint16 occ_test_alaw_decode (guint8 code);

/* @n samples of a sine of @hz at @rate samples per second, amplitude
 * about -10 dBFS (transfer full). */
gint16 *occ_test_tone_samples (guint hz, guint rate, gsize n);

/* Writes @ms of a @hz sine as a WAV file: 8 kHz, mono, 16-bit PCM (what
 * baresip's aufile source reads). */
gboolean occ_test_tone_write_wav (const char *path, guint hz, guint ms, GError **error);

/* Writes @ms of a @hz sine as a pcap capture (Ethernet, IPv4, UDP) of RTP
 * packets of 20 ms in PCMU (payload type 0), what sipp's play_pcap_audio
 * plays. sipp replaces the addresses and ports with those of the call. */
gboolean occ_test_tone_write_pcap (const char *path, guint hz, guint ms, GError **error);

/* The squared amplitude of the @hz component of @n @samples (@rate per
 * second) by the Goertzel algorithm: A^2 for a sine of amplitude A that
 * lasts all @n samples, less for one that lasts part of them or sits
 * between two of the block's frequency bins. */
double occ_test_goertzel (const gint16 *samples, gsize n, guint rate, guint hz);

/* The sum of the squares of @n @samples. */
double occ_test_energy (const gint16 *samples, gsize n);

/* How many seconds of @samples (@rate per second) carry a tone of @hz:
 * 50 ms blocks that are not silent and whose energy is mostly (over half)
 * at @hz, by the Goertzel algorithm. */
double occ_test_tone_seconds (const gint16 *samples, gsize n, guint rate, guint hz);
/* The same with blocks whose energy is more than @share at @hz: 0.25
 * finds each of two tones of one level heard together (a mix). */
double occ_test_tone_share_seconds (const gint16 *samples, gsize n, guint rate, guint hz,
                                    double share);

/* Reads a WAV file of 16-bit PCM (mono, or the first channel of more)
 * into samples (transfer full), tolerating a header that was never
 * finished (a writer killed mid-call). NULL if it is not such a file. */
gint16 *occ_test_wav_read (const char *path, gsize *n_samples, guint *rate);

/* Channel @channel (0-based) of a 2-channel WAV file of the media
 * plugin's recorder (A-law, 58-byte header, or 16-bit PCM, 44 bytes),
 * decoded to samples (transfer full); NULL if it is not such a file or
 * its header was never completed (the data size is not the rest). */
gint16 *occ_test_wav_channel (const char *path, guint channel, gboolean alaw, gsize *n);

/* occ_test_tone_seconds() over a WAV file; -1 if it cannot be read. */
double occ_test_wav_tone_seconds (const char *path, guint hz);
