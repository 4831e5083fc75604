/*
 * Publish baseline without a client library: the rate at which the server
 * takes PUB frames from one TCP connection.
 *
 * The program connects to a NATS server on a loopback address, reads its
 * INFO line, sends CONNECT {"verbose":false} and a PING, and waits for the
 * PONG. Then it writes COUNT pre-encoded PUB frames in large batches,
 * sends PING and waits for the PONG, which the server sends only after it
 * has parsed every frame before it. It prints
 *
 *     RESULT raw_pub_<SIZE>B <metric> <value>
 *
 * lines, or "RESULT raw_pub_<SIZE>B timeout <seconds>" with exit status 2.
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EXIT_FAILED 1
#define EXIT_TIMEOUT 2

#define DEFAULT_TIMEOUT_S 60
#define ALARM_GRACE_S 10

#define SUBJECT "bench.pub"
#define MAX_PAYLOAD_SIZE 65536

/* Bytes of frames passed to one write call. */
#define BATCH_BYTES (256 * 1024)

/* Bytes kept from the server's input while a reply line is awaited. */
#define READ_BUFFER_BYTES 65536

static int timeout_s = DEFAULT_TIMEOUT_S;
static int64_t deadline_ns;
static char scenario[64];
static char timeout_line[128];

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_alarm(int signal_number)
{
    ssize_t written;

    (void) signal_number;
    written = write(STDOUT_FILENO, timeout_line, strlen(timeout_line));
    (void) written;
    _exit(EXIT_TIMEOUT);
}

static void exit_timeout(void)
{
    fputs(timeout_line, stdout);
    fflush(NULL);
    _exit(EXIT_TIMEOUT);
}

static void exit_failed(const char *operation)
{
    fprintf(stderr, "%s: %s failed: %s\n", scenario, operation, strerror(errno));
    exit(EXIT_FAILED);
}

/* Socket timeouts end in EAGAIN, which counts as the scenario's timeout. */
static void check_io_error(const char *operation)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK || now_ns() > deadline_ns)
    {
        exit_timeout();
    }
    exit_failed(operation);
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
            check_io_error("write");
        }
        data += written;
        length -= (size_t) written;
    }
}

/*
 * Reads from fd until a line starts with expected, and fails on a line
 * that starts with "-ERR" or when the server closes the connection. Input
 * after the expected line is discarded, which is safe because each step
 * waits for the server's last reply.
 */
static void read_until_line(int fd, const char *expected)
{
    static char buffer[READ_BUFFER_BYTES + 1];
    size_t used = 0;
    size_t expected_length = strlen(expected);

    for (;;)
    {
        ssize_t received;
        char *line = buffer;
        char *end;

        if (now_ns() > deadline_ns)
        {
            exit_timeout();
        }
        received = read(fd, buffer + used, READ_BUFFER_BYTES - used);
        if (received < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            check_io_error("read");
        }
        if (received == 0)
        {
            fprintf(stderr, "%s: the server closed the connection\n", scenario);
            exit(EXIT_FAILED);
        }
        used += (size_t) received;
        buffer[used] = '\0';

        while ((end = strstr(line, "\r\n")) != NULL)
        {
            if (strncmp(line, expected, expected_length) == 0)
            {
                return;
            }
            if (strncmp(line, "-ERR", 4) == 0)
            {
                *end = '\0';
                fprintf(stderr, "%s: the server sent an error: %s\n", scenario, line);
                exit(EXIT_FAILED);
            }
            line = end + 2;
        }
        /* Keep the incomplete last line for the next read. */
        used = (size_t) (buffer + used - line);
        memmove(buffer, line, used);
        if (used == READ_BUFFER_BYTES)
        {
            fprintf(stderr, "%s: a line from the server exceeds %d bytes\n", scenario,
                    READ_BUFFER_BYTES);
            exit(EXIT_FAILED);
        }
    }
}

static int connect_loopback(const char *host, int port)
{
    struct sockaddr_in address;
    struct timeval io_timeout = { timeout_s, 0 };
    int enabled = 1;
    int fd;

    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t) port);
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1
        || (ntohl(address.sin_addr.s_addr) >> 24) != 127)
    {
        fprintf(stderr, "%s: invalid host %s: expected an IPv4 loopback address (127.x.x.x)\n",
                scenario, host);
        exit(EXIT_FAILED);
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
    {
        exit_failed("socket");
    }
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &io_timeout, sizeof(io_timeout)) != 0
        || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &io_timeout, sizeof(io_timeout)) != 0
        || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &enabled, sizeof(enabled)) != 0)
    {
        exit_failed("setsockopt");
    }
    if (connect(fd, (struct sockaddr *) &address, sizeof(address)) != 0)
    {
        exit_failed("connect");
    }
    return fd;
}

/* Fills a buffer with as many whole PUB frames as fit in BATCH_BYTES (at
   least one) and returns its size, with the frame count in *frames. */
static char *create_batch(int size, size_t *batch_length, long *frames)
{
    char header[64];
    int header_length = snprintf(header, sizeof(header), "PUB %s %d\r\n", SUBJECT, size);
    size_t frame_length = (size_t) header_length + (size_t) size + 2;
    long count = (long) (BATCH_BYTES / frame_length);
    char *batch;
    char *cursor;

    if (count < 1)
    {
        count = 1;
    }
    batch = malloc(frame_length * (size_t) count);
    if (batch == NULL)
    {
        exit_failed("malloc");
    }
    cursor = batch;
    for (long i = 0; i < count; i++)
    {
        memcpy(cursor, header, (size_t) header_length);
        cursor += header_length;
        for (int j = 0; j < size; j++)
        {
            cursor[j] = (char) ('a' + j % 26);
        }
        cursor += size;
        memcpy(cursor, "\r\n", 2);
        cursor += 2;
    }
    *batch_length = frame_length * (size_t) count;
    *frames = count;
    return batch;
}

static long parse_number(const char *text, long min, long max, const char *name)
{
    char *end = NULL;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
    {
        fprintf(stderr, "rawpub: invalid %s %s: expected an integer from %ld to %ld\n", name,
                text, min, max);
        exit(EXIT_FAILED);
    }
    return value;
}

int main(int argc, char **argv)
{
    static const char connect_line[] = "CONNECT {\"verbose\":false}\r\nPING\r\n";
    const char *host;
    int port;
    int size;
    long count;
    long batch_frames;
    size_t batch_length;
    char *batch;
    int fd;
    int first = 1;
    int64_t start;
    double seconds;

    if (argc > 2 && strcmp(argv[1], "-t") == 0)
    {
        timeout_s = (int) parse_number(argv[2], 1, 3600, "time limit");
        first = 3;
    }
    if (argc - first != 4)
    {
        fprintf(stderr,
                "usage: rawpub [-t SECONDS] HOST PORT SIZE COUNT\n"
                "\n"
                "Publishes COUNT messages of SIZE bytes to the NATS server at HOST:PORT\n"
                "(an IPv4 loopback address) over a plain socket, then PING/PONG.\n"
                "  -t SECONDS   time limit (default %d)\n",
                DEFAULT_TIMEOUT_S);
        return EXIT_FAILED;
    }
    host = argv[first];
    port = (int) parse_number(argv[first + 1], 1, 65535, "port");
    size = (int) parse_number(argv[first + 2], 0, MAX_PAYLOAD_SIZE, "payload size");
    count = parse_number(argv[first + 3], 1, 1000000000000L, "message count");

    snprintf(scenario, sizeof(scenario), "raw_pub_%dB", size);
    snprintf(timeout_line, sizeof(timeout_line), "RESULT %s timeout %d\n", scenario, timeout_s);
    deadline_ns = now_ns() + (int64_t) timeout_s * 1000000000;
    signal(SIGALRM, on_alarm);
    alarm((unsigned) (timeout_s + ALARM_GRACE_S));
    signal(SIGPIPE, SIG_IGN);

    fd = connect_loopback(host, port);
    read_until_line(fd, "INFO ");
    write_all(fd, connect_line, sizeof(connect_line) - 1);
    read_until_line(fd, "PONG");
    batch = create_batch(size, &batch_length, &batch_frames);

    start = now_ns();
    for (long sent = 0; sent < count; sent += batch_frames)
    {
        long frames = count - sent < batch_frames ? count - sent : batch_frames;

        write_all(fd, batch, batch_length / (size_t) batch_frames * (size_t) frames);
        if (now_ns() > deadline_ns)
        {
            exit_timeout();
        }
    }
    write_all(fd, "PING\r\n", 6);
    read_until_line(fd, "PONG");
    seconds = (double) (now_ns() - start) / 1e9;

    printf("RESULT %s msgs_per_s %.3f\n", scenario, (double) count / seconds);
    printf("RESULT %s MB_per_s %.3f\n", scenario, (double) count * size / seconds / 1e6);
    printf("RESULT %s seconds %.3f\n", scenario, seconds);
    close(fd);
    free(batch);
    return 0;
}
