/* omnicc plugin API — include this one header. */
#pragma once

#include <omnicc/version.h>
#include <omnicc/plugin.h>
#include <omnicc/bus.h>
#include <omnicc/events.h>
#include <omnicc/service.h>
#include <omnicc/control.h>
#include <omnicc/store.h>
#include <omnicc/records.h>
#include <omnicc/auth.h>
#include <omnicc/audit.h>
#include <omnicc/access.h>
#include <omnicc/media.h>
#include <omnicc/voice.h>
#include <omnicc/ivr.h>
#include <omnicc/supervise.h>
#include <omnicc/acd.h>
