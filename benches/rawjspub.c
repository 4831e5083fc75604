/*
 * JetStream publish baseline without a client library: the rate at which
 * one connection gets messages stored and acknowledged by a stream.
 *
 * The program connects to a JetStream-enabled NATS server on a loopback
 * address, creates a file stream through the JetStream API, and sends
 * COUNT pre-encoded PUB frames, each with a reply subject of its own under
 * one wildcard inbox subscription. At most WINDOW publishes are
 * unacknowledged at any time; frames go out in large writes. It stops when
 * every acknowledgment has arrived, deletes the stream, and prints
 *
 *     RESULT raw_js_pub_async_<SIZE>B msgs_per_s <value>
 *
 * This is what asynchronous publishing with a pending limit of WINDOW can
 * reach when the client costs nothing.
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STREAM "RAWJSBENCH"
#define SUBJECT "rawjs.bench"
#define INBOX "_INBOX.rawjs."
#define MAX_PAYLOAD_SIZE 65536
#define WRITE_BYTES (64 * 1024)
#define READ_BYTES (1024 * 1024)
#define IO_TIMEOUT_S 30

static char scenario[64];
static char input[READ_BYTES + 1];
static size_t input_used;

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fail(const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", scenario, what, errno ? strerror(errno) : "failed");
    exit(1);
}

static void write_all(int fd, const char *data, size_t length)
{
    while (length > 0)
    {
        ssize_t written = write(fd, data, length);

        if (written < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            fail("write");
        }
        data += written;
        length -= (size_t) written;
    }
}

/* Reads more input; fails when the server closes the connection. */
static void read_more(int fd)
{
    ssize_t received;

    if (input_used == READ_BYTES)
    {
        errno = 0;
        fail("a protocol line is too long");
    }
    do
    {
        received = read(fd, input + input_used, READ_BYTES - input_used);
    } while (received < 0 && errno == EINTR);
    if (received < 0)
    {
        fail("read");
    }
    if (received == 0)
    {
        errno = 0;
        fail("the server closed the connection");
    }
    input_used += (size_t) received;
    input[input_used] = '\0';
}

/*
 * Consumes complete operations from the input. Each MSG counts as one
 * reply; a reply whose payload contains "error" counts as an error. A PING
 * gets a PONG. Returns the number of replies consumed.
 */
static long consume_replies(int fd, long *errors)
{
    long replies = 0;
    size_t pos = 0;

    for (;;)
    {
        char *line = input + pos;
        char *end = strstr(line, "\r\n");

        if (end == NULL)
        {
            break;
        }
        if (strncmp(line, "MSG ", 4) == 0)
        {
            char *last_space = NULL;
            long size;
            size_t needed;

            for (char *p = line; p < end; p++)
            {
                if (*p == ' ')
                {
                    last_space = p;
                }
            }
            size = strtol(last_space + 1, NULL, 10);
            needed = (size_t) (end + 2 - input) + (size_t) size + 2;
            if (needed > input_used)
            {
                break;
            }
            if (memmem(end + 2, (size_t) size, "\"error\"", 7) != NULL)
            {
                (*errors)++;
            }
            replies++;
            pos = needed;
            continue;
        }
        if (strncmp(line, "PING", 4) == 0)
        {
            write_all(fd, "PONG\r\n", 6);
        }
        else if (strncmp(line, "-ERR", 4) == 0)
        {
            *end = '\0';
            errno = 0;
            fprintf(stderr, "%s: server error: %s\n", scenario, line);
            exit(1);
        }
        pos = (size_t) (end + 2 - input);
    }
    memmove(input, input + pos, input_used - pos);
    input_used -= pos;
    input[input_used] = '\0';
    return replies;
}

/* Sends one JetStream API request and waits for its reply. */
static void api_request(int fd, const char *subject, const char *body)
{
    char frame[1024];
    long errors = 0;
    int length = snprintf(frame, sizeof(frame), "PUB %s " INBOX "api %zu\r\n%s\r\n", subject,
                          strlen(body), body);

    write_all(fd, frame, (size_t) length);
    while (consume_replies(fd, &errors) == 0)
    {
        read_more(fd);
    }
}

static int connect_loopback(const char *host, int port)
{
    struct sockaddr_in address;
    struct timeval io_timeout = { IO_TIMEOUT_S, 0 };
    int enabled = 1;
    int fd;

    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t) port);
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1
        || (ntohl(address.sin_addr.s_addr) >> 24) != 127)
    {
        errno = 0;
        fail("the host must be an IPv4 loopback address");
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0
        || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &io_timeout, sizeof(io_timeout)) != 0
        || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &enabled, sizeof(enabled)) != 0
        || connect(fd, (struct sockaddr *) &address, sizeof(address)) != 0)
    {
        fail("connect");
    }
    return fd;
}

int main(int argc, char **argv)
{
    static char out[WRITE_BYTES + 2 * MAX_PAYLOAD_SIZE];
    char payload[MAX_PAYLOAD_SIZE];
    long size, count, window;
    long sent = 0, acked = 0, errors = 0;
    int64_t start, elapsed;
    int fd;

    if (argc != 6)
    {
        fprintf(stderr, "usage: rawjspub HOST PORT SIZE COUNT WINDOW\n");
        return 1;
    }
    size = strtol(argv[3], NULL, 10);
    count = strtol(argv[4], NULL, 10);
    window = strtol(argv[5], NULL, 10);
    snprintf(scenario, sizeof(scenario), "raw_js_pub_async_%ldB", size);
    if (size < 0 || size > MAX_PAYLOAD_SIZE || count <= 0 || window <= 0)
    {
        fprintf(stderr, "%s: invalid SIZE, COUNT or WINDOW\n", scenario);
        return 1;
    }
    memset(payload, 'x', (size_t) size);

    fd = connect_loopback(argv[1], atoi(argv[2]));
    while (strstr(input, "\r\n") == NULL)
    {
        read_more(fd);
    }
    input_used = 0;
    input[0] = '\0';
    {
        const char *hello = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB " INBOX "* 1\r\n";

        write_all(fd, hello, strlen(hello));
    }
    api_request(fd, "$JS.API.STREAM.DELETE." STREAM, "");
    api_request(fd, "$JS.API.STREAM.CREATE." STREAM,
                "{\"name\":\"" STREAM "\",\"subjects\":[\"" SUBJECT "\"],\"storage\":\"file\"}");

    start = now_ns();
    while (acked < count)
    {
        size_t used = 0;

        while (sent < count && sent - acked < window && used < WRITE_BYTES)
        {
            used += (size_t) sprintf(out + used, "PUB " SUBJECT " " INBOX "%ld %ld\r\n", sent, size);
            memcpy(out + used, payload, (size_t) size);
            used += (size_t) size;
            out[used++] = '\r';
            out[used++] = '\n';
            sent++;
        }
        if (used > 0)
        {
            write_all(fd, out, used);
        }
        if (sent - acked >= window || sent == count)
        {
            read_more(fd);
            acked += consume_replies(fd, &errors);
        }
    }
    elapsed = now_ns() - start;

    api_request(fd, "$JS.API.STREAM.DELETE." STREAM, "");
    close(fd);
    if (errors > 0)
    {
        fprintf(stderr, "%s: %ld publishes were refused\n", scenario, errors);
        return 1;
    }
    printf("RESULT %s msgs_per_s %.3f\n", scenario, (double) count / ((double) elapsed / 1e9));
    return 0;
}
