#define _GNU_SOURCE
#include "CDatagramBatch.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct cairn_datagram_batch {
    unsigned capacity;
    size_t receive_size;
    size_t reply_size;
    struct mmsghdr *received;
    struct iovec *received_iov;
    struct sockaddr_storage *senders;
    unsigned char *received_octets;
    unsigned reply_count;
    struct mmsghdr *replies;
    struct iovec *reply_iov;
    unsigned char *reply_octets;
};

cairn_datagram_batch *cairn_datagram_batch_create(unsigned capacity, size_t receive_size, size_t reply_size) {
    if (capacity == 0 || receive_size == 0 || reply_size == 0) return NULL;
    cairn_datagram_batch *batch = calloc(1, sizeof *batch);
    if (!batch) return NULL;
    batch->capacity = capacity;
    batch->receive_size = receive_size;
    batch->reply_size = reply_size;
    batch->received = calloc(capacity, sizeof *batch->received);
    batch->received_iov = calloc(capacity, sizeof *batch->received_iov);
    batch->senders = calloc(capacity, sizeof *batch->senders);
    batch->received_octets = malloc(capacity * receive_size);
    batch->replies = calloc(capacity, sizeof *batch->replies);
    batch->reply_iov = calloc(capacity, sizeof *batch->reply_iov);
    batch->reply_octets = malloc(capacity * reply_size);
    if (!batch->received || !batch->received_iov || !batch->senders || !batch->received_octets || !batch->replies ||
        !batch->reply_iov || !batch->reply_octets) {
        cairn_datagram_batch_destroy(batch);
        return NULL;
    }
    return batch;
}

void cairn_datagram_batch_destroy(cairn_datagram_batch *batch) {
    if (!batch) return;
    free(batch->received);
    free(batch->received_iov);
    free(batch->senders);
    free(batch->received_octets);
    free(batch->replies);
    free(batch->reply_iov);
    free(batch->reply_octets);
    free(batch);
}

int cairn_datagram_socket_open(const struct sockaddr *address, socklen_t length, int receive_buffer) {
    int fd = socket(address->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
        (receive_buffer > 0 &&
         setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer) != 0) ||
        bind(fd, address, length) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int cairn_datagram_receive(int fd, cairn_datagram_batch *batch) {
    batch->reply_count = 0;
    for (unsigned i = 0; i < batch->capacity; i++) {
        batch->received_iov[i].iov_base = batch->received_octets + (size_t)i * batch->receive_size;
        batch->received_iov[i].iov_len = batch->receive_size;
        struct msghdr *header = &batch->received[i].msg_hdr;
        header->msg_name = &batch->senders[i];
        header->msg_namelen = sizeof batch->senders[i];
        header->msg_iov = &batch->received_iov[i];
        header->msg_iovlen = 1;
        header->msg_control = NULL;
        header->msg_controllen = 0;
        header->msg_flags = 0;
        batch->received[i].msg_len = 0;
    }
    int count;
    do {
        count = recvmmsg(fd, batch->received, batch->capacity, MSG_WAITFORONE, NULL);
    } while (count < 0 && errno == EINTR);
    return count;
}

const unsigned char *cairn_datagram_bytes(const cairn_datagram_batch *batch, unsigned index, size_t *length) {
    size_t received = batch->received[index].msg_len;
    *length = received < batch->receive_size ? received : batch->receive_size;
    return batch->received_octets + (size_t)index * batch->receive_size;
}

const struct sockaddr *cairn_datagram_sender(const cairn_datagram_batch *batch, unsigned index,
                                             socklen_t *length) {
    *length = batch->received[index].msg_hdr.msg_namelen;
    return (const struct sockaddr *)&batch->senders[index];
}

int cairn_datagram_add_reply(cairn_datagram_batch *batch, unsigned index, const void *bytes, size_t length) {
    if (length > batch->reply_size || batch->reply_count >= batch->capacity) return -1;
    unsigned slot = batch->reply_count++;
    unsigned char *octets = batch->reply_octets + (size_t)slot * batch->reply_size;
    memcpy(octets, bytes, length);
    batch->reply_iov[slot].iov_base = octets;
    batch->reply_iov[slot].iov_len = length;
    struct msghdr *header = &batch->replies[slot].msg_hdr;
    header->msg_name = &batch->senders[index];
    header->msg_namelen = batch->received[index].msg_hdr.msg_namelen;
    header->msg_iov = &batch->reply_iov[slot];
    header->msg_iovlen = 1;
    header->msg_control = NULL;
    header->msg_controllen = 0;
    header->msg_flags = 0;
    return 0;
}

int cairn_datagram_send_replies(int fd, cairn_datagram_batch *batch) {
    unsigned next = 0;
    int sent = 0;
    while (next < batch->reply_count) {
        int count = sendmmsg(fd, batch->replies + next, batch->reply_count - next, MSG_DONTWAIT);
        if (count < 0) {
            if (errno == EINTR) continue;
            // The first remaining reply was refused (a full buffer, an unreachable peer): skip it.
            next += 1;
            continue;
        }
        if (count == 0) break;
        sent += count;
        next += (unsigned)count;
    }
    batch->reply_count = 0;
    return sent;
}

int cairn_datagram_send_one(int fd, const cairn_datagram_batch *batch, unsigned index, const void *bytes,
                            size_t length) {
    ssize_t sent;
    do {
        sent = sendto(fd, bytes, length, MSG_DONTWAIT, (const struct sockaddr *)&batch->senders[index],
                      batch->received[index].msg_hdr.msg_namelen);
    } while (sent < 0 && errno == EINTR);
    return sent < 0 ? -1 : 0;
}

int cairn_thread_request_slice(unsigned long long nanoseconds) {
#ifdef SYS_sched_setattr
    // struct sched_attr as far as SCHED_ATTR_SIZE_VER0 (include/uapi/linux/sched/types.h); glibc
    // before 2.41 declares neither it nor sched_setattr.
    struct {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
    } attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.size = sizeof attributes;
    attributes.sched_policy = 0;  // SCHED_OTHER
    // The thread's own nice value is kept (on Linux each thread has its own).
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    if (nice == -1 && errno != 0) return -1;
    attributes.sched_nice = nice;
    attributes.sched_runtime = nanoseconds;
    return (int)syscall(SYS_sched_setattr, 0, &attributes, 0);
#else
    (void)nanoseconds;
    errno = ENOSYS;
    return -1;
#endif
}

int cairn_thread_pin_to_allowed_cpu(unsigned slot) {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return -1;
    int count = CPU_COUNT(&allowed);
    if (count == 0) {
        errno = EINVAL;
        return -1;
    }
    int wanted = (int)(slot % (unsigned)count);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed)) continue;
        if (wanted-- > 0) continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        return sched_setaffinity(0, sizeof one, &one) == 0 ? cpu : -1;
    }
    errno = EINVAL;
    return -1;
}

int cairn_thread_set_name(const char *name) {
    char kept[16];
    strncpy(kept, name, sizeof kept - 1);
    kept[sizeof kept - 1] = 0;
    return pthread_setname_np(pthread_self(), kept);
}
