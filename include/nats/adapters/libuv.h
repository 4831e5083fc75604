/*
 * libuv adapter for the NATS C client: lets a libuv loop read the sockets
 * of NATS connections.
 *
 *   natsLibuv_Init();                     // once
 *   natsLibuv_SetThreadLocalLoop(loop);   // on the thread that runs the loop
 *   natsOptions_SetEventLoop(opts, loop, natsLibuv_Attach, natsLibuv_Read,
 *                            natsLibuv_Write, natsLibuv_Detach);
 *   natsConnection_Connect(&nc, opts);    // on the loop's thread
 *
 * Link with -luv. libuv handles may only be touched on the loop's thread,
 * so requests from other threads (the library reconnects and closes from
 * its own threads) are queued and applied there through a uv_async_t.
 * Connect on the loop's thread, before or while the loop runs, because the
 * first attach creates that uv_async_t.
 *
 * Written for this library; it does not come from cnats.
 */
#ifndef NATS_ADAPTERS_LIBUV_H_
#define NATS_ADAPTERS_LIBUV_H_

/* uv.h needs POSIX types such as pthread_rwlock_t, which strict -std=c99
   hides unless a feature macro is set before the first system header. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdlib.h>

#include <uv.h>

#include "../nats.h"

/** State of one connection attached to a loop. */
typedef struct natsLibuvEvents
{
    natsConnection *nc;
    uv_loop_t      *loop;
    uv_async_t     *async;
    uv_mutex_t     lock;
    /* Requested state, written by any thread under `lock`. */
    natsSock       socket;
    unsigned       generation;
    bool           wantRead;
    bool           detach;
    /* Applied state, loop thread only. */
    uv_poll_t      *poll;
    unsigned       polledGeneration;
    int            closingHandles;
} natsLibuvEvents;

static uv_key_t natsLibuv_loopKey;
static uv_once_t natsLibuv_initOnce = UV_ONCE_INIT;

static inline void
natsLibuv_CreateKey(void)
{
    if (uv_key_create(&natsLibuv_loopKey) != 0)
        abort();
}

/** Prepares the adapter. Call once before the other functions. */
static inline void
natsLibuv_Init(void)
{
    uv_once(&natsLibuv_initOnce, natsLibuv_CreateKey);
}

/** Records that the calling thread runs `loop`. */
static inline void
natsLibuv_SetThreadLocalLoop(uv_loop_t *loop)
{
    natsLibuv_Init();
    uv_key_set(&natsLibuv_loopKey, (void *) loop);
}

static inline void
natsLibuv_OnPoll(uv_poll_t *handle, int status, int events)
{
    natsLibuvEvents *e = (natsLibuvEvents *) handle->data;

    (void) events;
    if (status < 0)
    {
        /* The library has closed or replaced the socket. */
        uv_poll_stop(handle);
        return;
    }
    natsConnection_ProcessReadEvent(e->nc);
}

static inline void
natsLibuv_OnHandleClosed(uv_handle_t *handle)
{
    natsLibuvEvents *e = (natsLibuvEvents *) handle->data;

    free(handle);
    if ((e != NULL) && (--e->closingHandles == 0) && e->detach)
    {
        uv_mutex_destroy(&e->lock);
        free(e);
    }
}

static inline void
natsLibuv_ClosePoll(natsLibuvEvents *e, bool lastHandles)
{
    if (e->poll == NULL)
        return;
    uv_poll_stop(e->poll);
    e->poll->data = (lastHandles ? (void *) e : NULL);
    if (lastHandles)
        e->closingHandles++;
    uv_close((uv_handle_t *) e->poll, natsLibuv_OnHandleClosed);
    e->poll = NULL;
}

/* Brings the loop's handles in line with the requested state; loop thread only. */
static inline void
natsLibuv_Apply(natsLibuvEvents *e)
{
    natsSock socket;
    unsigned generation;
    bool     wantRead;
    bool     detach;

    uv_mutex_lock(&e->lock);
    socket     = e->socket;
    generation = e->generation;
    wantRead   = e->wantRead;
    detach     = e->detach;
    uv_mutex_unlock(&e->lock);

    if (detach)
    {
        natsLibuv_ClosePoll(e, true);
        e->closingHandles++;
        e->async->data = e;
        uv_close((uv_handle_t *) e->async, natsLibuv_OnHandleClosed);
        e->async = NULL;
        return;
    }
    if ((e->poll != NULL) && (e->polledGeneration != generation))
        natsLibuv_ClosePoll(e, false);
    if ((e->poll == NULL) && (socket >= 0))
    {
        e->poll = (uv_poll_t *) calloc(1, sizeof(uv_poll_t));
        if ((e->poll == NULL) || (uv_poll_init_socket(e->loop, e->poll, socket) != 0))
        {
            free(e->poll);
            e->poll = NULL;
            return;
        }
        e->poll->data       = e;
        e->polledGeneration = generation;
    }
    if (e->poll != NULL)
    {
        if (wantRead)
            uv_poll_start(e->poll, UV_READABLE, natsLibuv_OnPoll);
        else
            uv_poll_stop(e->poll);
    }
}

static inline void
natsLibuv_OnAsync(uv_async_t *handle)
{
    natsLibuv_Apply((natsLibuvEvents *) handle->data);
}

/* Applies now on the loop's thread, or wakes the loop from other threads. */
static inline natsStatus
natsLibuv_Schedule(natsLibuvEvents *e)
{
    if (uv_key_get(&natsLibuv_loopKey) == (void *) e->loop)
    {
        natsLibuv_Apply(e);
        return NATS_OK;
    }
    return (uv_async_send(e->async) == 0 ? NATS_OK : NATS_ERR);
}

/** Starts watching `socket`; see natsEvLoop_Attach. */
static inline natsStatus
natsLibuv_Attach(void **userData, void *loop, natsConnection *nc, natsSock socket)
{
    natsLibuvEvents *e = (natsLibuvEvents *) *userData;

    natsLibuv_Init();
    if (e == NULL)
    {
        e = (natsLibuvEvents *) calloc(1, sizeof(natsLibuvEvents));
        if (e == NULL)
            return NATS_NO_MEMORY;
        e->async = (uv_async_t *) calloc(1, sizeof(uv_async_t));
        if ((e->async == NULL) || (uv_mutex_init(&e->lock) != 0))
        {
            free(e->async);
            free(e);
            return NATS_NO_MEMORY;
        }
        e->nc     = nc;
        e->loop   = (uv_loop_t *) loop;
        e->socket = -1;
        if (uv_async_init(e->loop, e->async, natsLibuv_OnAsync) != 0)
        {
            uv_mutex_destroy(&e->lock);
            free(e->async);
            free(e);
            return NATS_ERR;
        }
        e->async->data = e;
        *userData = e;
    }
    uv_mutex_lock(&e->lock);
    e->socket = socket;
    e->generation++;
    uv_mutex_unlock(&e->lock);
    return natsLibuv_Schedule(e);
}

/** Starts or stops read notifications; see natsEvLoop_ReadAddRemove. */
static inline natsStatus
natsLibuv_Read(void *userData, bool add)
{
    natsLibuvEvents *e = (natsLibuvEvents *) userData;

    if (e == NULL)
        return NATS_OK;
    uv_mutex_lock(&e->lock);
    e->wantRead = add;
    uv_mutex_unlock(&e->lock);
    return natsLibuv_Schedule(e);
}

/** Accepted for compatibility: the library never asks for write events. */
static inline natsStatus
natsLibuv_Write(void *userData, bool add)
{
    (void) userData;
    (void) add;
    return NATS_OK;
}

/** Stops watching; the state is freed once the loop has closed its
 *  handles. See natsEvLoop_Detach. */
static inline natsStatus
natsLibuv_Detach(void *userData)
{
    natsLibuvEvents *e = (natsLibuvEvents *) userData;

    if (e == NULL)
        return NATS_OK;
    uv_mutex_lock(&e->lock);
    e->detach = true;
    uv_mutex_unlock(&e->lock);
    return natsLibuv_Schedule(e);
}

#endif /* NATS_ADAPTERS_LIBUV_H_ */
