/*
 * Publish-to-subscriber baseline without a client library: the rate at
 * which the server moves messages from one publishing connection to one
 * subscribing connection.
 *
 * The program opens two connections to a NATS server on a loopback
 * address. The first subscribes to the subject and confirms it with a
 * PING/PONG. A second thread writes COUNT pre-encoded PUB frames on the
 * other connection in large writes, while the main thread reads the
 * subscriber's socket and counts MSG frames until all COUNT arrived. It
 * prints
 *
 *     RESULT raw_pubsub_<SIZE>B recv_msgs_per_s <value>
 *
 * timed from the first write to the last message.
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SUBJECT "rawpubsub.bench"
#define MAX_PAYLOAD_SIZE 65536
#define WRITE_BYTES (256 * 1024)
#define READ_BYTES (1024 * 1024)
#define IO_TIMEOUT_S 30

static char scenario[64];
static long message_size;
static long message_count;
static int publisher_fd;

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

/* Reads until the input contains `expected`, then discards what it read. */
static void read_until(int fd, const char *expected)
{
    char buffer[65536];
    size_t used = 0;

    for (;;)
    {
        ssize_t received = read(fd, buffer + used, sizeof(buffer) - 1 - used);

        if (received <= 0)
        {
            if (received < 0 && errno == EINTR)
            {
                continue;
            }
            fail("reading the server's greeting");
        }
        used += (size_t) received;
        buffer[used] = '\0';
        if (strstr(buffer, expected) != NULL)
        {
            return;
        }
        if (used == sizeof(buffer) - 1)
        {
            used = 0;
        }
    }
}

static void *publish_all(void *unused)
{
    static char out[WRITE_BYTES + MAX_PAYLOAD_SIZE + 64];
    char header[64];
    int header_length = snprintf(header, sizeof(header), "PUB " SUBJECT " %ld\r\n", message_size);
    size_t used = 0;

    (void) unused;
    for (long i = 0; i < message_count; i++)
    {
        memcpy(out + used, header, (size_t) header_length);
        used += (size_t) header_length;
        memset(out + used, 'x', (size_t) message_size);
        used += (size_t) message_size;
        out[used++] = '\r';
        out[used++] = '\n';
        if (used >= WRITE_BYTES)
        {
            write_all(publisher_fd, out, used);
            used = 0;
        }
    }
    write_all(publisher_fd, out, used);
    return NULL;
}

int main(int argc, char **argv)
{
    static char input[READ_BYTES + 1];
    const char *hello = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";
    size_t used = 0;
    long received = 0;
    int64_t start, elapsed;
    pthread_t publisher;
    int subscriber_fd;

    if (argc != 5)
    {
        fprintf(stderr, "usage: rawpubsub HOST PORT SIZE COUNT\n");
        return 1;
    }
    message_size = strtol(argv[3], NULL, 10);
    message_count = strtol(argv[4], NULL, 10);
    snprintf(scenario, sizeof(scenario), "raw_pubsub_%ldB", message_size);
    if (message_size < 0 || message_size > MAX_PAYLOAD_SIZE || message_count <= 0)
    {
        fprintf(stderr, "%s: invalid SIZE or COUNT\n", scenario);
        return 1;
    }

    subscriber_fd = connect_loopback(argv[1], atoi(argv[2]));
    read_until(subscriber_fd, "\r\n");
    write_all(subscriber_fd, hello, strlen(hello));
    write_all(subscriber_fd, "SUB " SUBJECT " 1\r\nPING\r\n", strlen("SUB " SUBJECT " 1\r\nPING\r\n"));
    read_until(subscriber_fd, "PONG\r\n");
    publisher_fd = connect_loopback(argv[1], atoi(argv[2]));
    read_until(publisher_fd, "\r\n");
    write_all(publisher_fd, hello, strlen(hello));
    write_all(publisher_fd, "PING\r\n", 6);
    read_until(publisher_fd, "PONG\r\n");

    start = now_ns();
    if (pthread_create(&publisher, NULL, publish_all, NULL) != 0)
    {
        fail("pthread_create");
    }
    while (received < message_count)
    {
        size_t pos = 0;
        ssize_t count = read(subscriber_fd, input + used, READ_BYTES - used);

        if (count <= 0)
        {
            if (count < 0 && errno == EINTR)
            {
                continue;
            }
            fail("reading messages");
        }
        used += (size_t) count;
        input[used] = '\0';
        for (;;)
        {
            char *line = input + pos;
            char *end = memmem(line, used - pos, "\r\n", 2);
            size_t next;

            if (end == NULL)
            {
                break;
            }
            next = (size_t) (end + 2 - input);
            if (strncmp(line, "MSG ", 4) == 0)
            {
                next += (size_t) message_size + 2;
                if (next > used)
                {
                    break;
                }
                received++;
            }
            else if (strncmp(line, "PING", 4) == 0)
            {
                write_all(subscriber_fd, "PONG\r\n", 6);
            }
            pos = next;
        }
        memmove(input, input + pos, used - pos);
        used -= pos;
    }
    elapsed = now_ns() - start;
    pthread_join(publisher, NULL);
    close(publisher_fd);
    close(subscriber_fd);
    printf("RESULT %s recv_msgs_per_s %.3f\n", scenario, (double) message_count / ((double) elapsed / 1e9));
    return 0;
}
