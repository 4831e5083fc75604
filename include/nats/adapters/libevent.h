/*
 * libevent adapter for the NATS C client: lets a libevent event base read
 * the sockets of NATS connections.
 *
 *   natsLibevent_Init();                  // once, before creating the base
 *   struct event_base *base = event_base_new();
 *   natsOptions_SetEventLoop(opts, base, natsLibevent_Attach, natsLibevent_Read,
 *                            natsLibevent_Write, natsLibevent_Detach);
 *
 * Link with -levent -levent_pthreads. The library calls these functions
 * from its own threads as well as from the connecting thread, so
 * natsLibevent_Init() turns on libevent's thread support.
 *
 * Written for this library; it does not come from cnats.
 */
#ifndef NATS_ADAPTERS_LIBEVENT_H_
#define NATS_ADAPTERS_LIBEVENT_H_

#include <stdlib.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "../nats.h"

/** State of one connection attached to an event base. */
typedef struct natsLibeventEvents
{
    natsConnection    *nc;
    struct event_base *base;
    /** Read event of the current socket, NULL between sockets. */
    struct event      *read;
} natsLibeventEvents;

/** Turns on libevent's thread support. Call once before creating bases. */
static inline void
natsLibevent_Init(void)
{
    evthread_use_pthreads();
}

static inline void
natsLibevent_OnReadable(evutil_socket_t fd, short what, void *arg)
{
    natsLibeventEvents *e = (natsLibeventEvents *) arg;

    (void) fd;
    (void) what;
    natsConnection_ProcessReadEvent(e->nc);
}

/** Starts watching `socket`; see natsEvLoop_Attach. */
static inline natsStatus
natsLibevent_Attach(void **userData, void *loop, natsConnection *nc, natsSock socket)
{
    natsLibeventEvents *e     = (natsLibeventEvents *) *userData;
    bool               fresh  = (e == NULL);

    if (fresh)
    {
        e = (natsLibeventEvents *) calloc(1, sizeof(natsLibeventEvents));
        if (e == NULL)
            return NATS_NO_MEMORY;
        e->nc   = nc;
        e->base = (struct event_base *) loop;
    }
    else if (e->read != NULL)
    {
        event_del(e->read);
        event_free(e->read);
        e->read = NULL;
    }

    e->read = event_new(e->base, socket, EV_READ | EV_PERSIST, natsLibevent_OnReadable, e);
    if (e->read == NULL)
    {
        if (fresh)
            free(e);
        return NATS_ERR;
    }
    *userData = e;
    return NATS_OK;
}

/** Starts or stops read notifications; see natsEvLoop_ReadAddRemove. */
static inline natsStatus
natsLibevent_Read(void *userData, bool add)
{
    natsLibeventEvents *e = (natsLibeventEvents *) userData;
    int                res;

    if ((e == NULL) || (e->read == NULL))
        return NATS_OK;
    res = (add ? event_add(e->read, NULL) : event_del(e->read));
    return (res == 0 ? NATS_OK : NATS_ERR);
}

/** Accepted for compatibility: the library never asks for write events. */
static inline natsStatus
natsLibevent_Write(void *userData, bool add)
{
    (void) userData;
    (void) add;
    return NATS_OK;
}

/** Stops watching and frees the state; see natsEvLoop_Detach. */
static inline natsStatus
natsLibevent_Detach(void *userData)
{
    natsLibeventEvents *e = (natsLibeventEvents *) userData;

    if (e == NULL)
        return NATS_OK;
    if (e->read != NULL)
    {
        event_del(e->read);
        event_free(e->read);
    }
    free(e);
    return NATS_OK;
}

#endif /* NATS_ADAPTERS_LIBEVENT_H_ */
