/* omnicc plugin API — the catalogue of standard event types.
 *
 * Every standard event type is listed here, once, with its payload's
 * GVariant type string and what it means. The core registers all of them
 * at start; plugins may register their own with occ_bus_register_type().
 *
 * Payload conventions: identifiers are strings; most payloads end with an
 * a{sv} of extra fields, so that fields can be added later without
 * changing the type string (consumers ignore keys they do not know).
 * A type string, once released, never changes: a changed payload is a new
 * type name.
 *
 * Interaction ids are opaque strings unique on the site. Channels:
 * "voice", "video", "chat", "email", "sms", "whatsapp", "messenger",
 * "instagram", "x", "youtube". Directions: "inbound", "outbound".
 */
#pragma once

/*      C name               type name               payload                  doc */
#define OCC_EVENT_CATALOGUE(X)                                                                \
  /* daemon lifecycle */                                                                      \
  X (CORE_STARTED, "core.started", "(s)",                                                     \
     "The daemon loaded its plugins and is serving: (version).")                              \
  X (CORE_STOPPING, "core.stopping", "(s)",                                                   \
     "The daemon began to drain before stopping: (reason).")                                  \
  X (CONFIG_RELOADED, "config.reloaded", "(as)",                                              \
     "A new configuration was accepted: (plugins whose config changed).")                     \
  X (CONFIG_REJECTED, "config.rejected", "(s)",                                               \
     "A new configuration was refused and the old one kept: (reason).")                       \
  /* plugin lifecycle */                                                                      \
  X (PLUGIN_LOADED, "plugin.loaded", "(ss)", "A plugin finished loading: (name, version).")   \
  X (PLUGIN_DECLINED, "plugin.declined", "(ss)",                                              \
     "A plugin declined to load, not being configured here: (name, reason).")                 \
  X (PLUGIN_FAILED, "plugin.failed", "(ss)", "A plugin could not be loaded: (name, reason).") \
  X (PLUGIN_UNLOADED, "plugin.unloaded", "(s)",                                               \
     "A plugin was unloaded and everything it registered removed: (name).")                   \
  X (SERVICE_ADDED, "service.added", "(ssu)",                                                 \
     "A service interface was provided: (service, provider plugin, version).")                \
  X (SERVICE_REMOVED, "service.removed", "(ss)",                                              \
     "A service interface went away: (service, provider plugin).")                            \
  /* storage */                                                                               \
  X (STORE_STATE, "store.state", "(ssa{sv})",                                                 \
     "The store's database changed state: (backend, connecting|ready|degraded|failed, "       \
     "extra such as reason and schema-version).")                                             \
  /* interactions: new -> (bot/IVR) -> enqueue -> offered -> connected -> ended */            \
  X (INTERACTION_NEW, "interaction.new", "(ssssssa{sv})",                                     \
     "A contact arrived or was placed: (id, channel, direction, from, to, "                   \
     "source trunk or account, extra).")                                                      \
  X (INTERACTION_ROUTED, "interaction.routed", "(sssa{sv})",                                  \
     "The router chose an entry point: (id, kind ivr|queue|agent|bot, target, "               \
     "extra).")                                                                               \
  X (INTERACTION_ENQUEUE, "interaction.enqueue", "(ssiasa{sv})",                              \
     "Put an interaction in a queue: (id, queue, priority, required skills, "                 \
     "extra such as IVR variables).")                                                         \
  X (INTERACTION_OFFERED, "interaction.offered", "(sssa{sv})",                                \
     "The ACD offers an interaction to an agent: (id, queue, agent, extra).")                 \
  X (INTERACTION_CONNECTED, "interaction.connected", "(ssa{sv})",                             \
     "An agent is connected to the interaction: (id, agent, extra).")                         \
  X (INTERACTION_UNANSWERED, "interaction.unanswered", "(sssa{sv})",                          \
     "An agent did not take the interaction offered: (id, agent, reason no-answer|"           \
     "refused|unreachable, extra).")                                                          \
  X (INTERACTION_ENDED, "interaction.ended", "(sssa{sv})",                                    \
     "The interaction ended: (id, reason normal|abandoned|failed|…, ended by "              \
     "customer|agent|system, extra such as the SIP cause).")                                  \
  X (INTERACTION_WRAPUP, "interaction.wrapup", "(ssa{sv})",                                   \
     "The agent's after-call work on an interaction began: (id, agent, extra).")              \
  X (INTERACTION_DISPOSITION, "interaction.disposition", "(sssa{sv})",                        \
     "The agent set the outcome: (id, agent, disposition, extra such as notes).")             \
  /* agents */                                                                                \
  X (AGENT_STATE, "agent.state", "(sssa{sv})",                                                \
     "An agent's state changed: (agent, state logged-out|ready|not-ready|"                    \
     "reserved|busy|wrap-up, reason code, extra).")

/* OCC_EVENT_<NAME>: the type name, e.g. OCC_EVENT_PLUGIN_LOADED. */
#define OCC_EVENT_CORE_STARTED "core.started"
#define OCC_EVENT_CORE_STOPPING "core.stopping"
#define OCC_EVENT_CONFIG_RELOADED "config.reloaded"
#define OCC_EVENT_CONFIG_REJECTED "config.rejected"
#define OCC_EVENT_PLUGIN_LOADED "plugin.loaded"
#define OCC_EVENT_PLUGIN_DECLINED "plugin.declined"
#define OCC_EVENT_PLUGIN_FAILED "plugin.failed"
#define OCC_EVENT_PLUGIN_UNLOADED "plugin.unloaded"
#define OCC_EVENT_SERVICE_ADDED "service.added"
#define OCC_EVENT_SERVICE_REMOVED "service.removed"
#define OCC_EVENT_STORE_STATE "store.state"
#define OCC_EVENT_INTERACTION_NEW "interaction.new"
#define OCC_EVENT_INTERACTION_ROUTED "interaction.routed"
#define OCC_EVENT_INTERACTION_ENQUEUE "interaction.enqueue"
#define OCC_EVENT_INTERACTION_OFFERED "interaction.offered"
#define OCC_EVENT_INTERACTION_CONNECTED "interaction.connected"
#define OCC_EVENT_INTERACTION_UNANSWERED "interaction.unanswered"
#define OCC_EVENT_INTERACTION_ENDED "interaction.ended"
#define OCC_EVENT_INTERACTION_WRAPUP "interaction.wrapup"
#define OCC_EVENT_INTERACTION_DISPOSITION "interaction.disposition"
#define OCC_EVENT_AGENT_STATE "agent.state"
