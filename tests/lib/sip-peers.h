/* Real SIP peers for tests, all in one include: sipp (sipp.h), baresip
 * (baresip.h) and Kamailio (kamailio-peer.h) on 127.0.0.1, the RTP meter
 * (rtp-meter.h), tones and DTMF keys made and found again (tone.h,
 * dtmf.h), RTP captures (rtp-pcap.h), and the process
 * guard and free ports (peers.h). */
#pragma once

#include "baresip.h"
#include "dtmf.h"
#include "kamailio-peer.h"
#include "peers.h"
#include "rtp-meter.h"
#include "rtp-pcap.h"
#include "sipp.h"
#include "tone.h"
