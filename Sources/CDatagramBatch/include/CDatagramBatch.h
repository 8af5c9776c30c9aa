#ifndef CAIRN_DATAGRAM_BATCH_H
#define CAIRN_DATAGRAM_BATCH_H
// Batched UDP receive and send (recvmmsg/sendmmsg) for Cairn's direct UDP path. The message
// headers need _GNU_SOURCE, which the Swift importer's view of <sys/socket.h> lacks, so they
// stay behind this opaque type.
#include <stddef.h>
#include <sys/socket.h>

typedef struct cairn_datagram_batch cairn_datagram_batch;

/// A batch of `capacity` receive slots of `receive_size` octets each, and as many reply slots
/// of `reply_size` octets; NULL when memory is short.
cairn_datagram_batch *cairn_datagram_batch_create(unsigned capacity, size_t receive_size, size_t reply_size);
void cairn_datagram_batch_destroy(cairn_datagram_batch *batch);

/// Opens a blocking UDP socket for `address` with SO_REUSEPORT and the given receive buffer, and
/// binds it (an IPv6 wildcard takes IPv4 as well where the system's default does, as the TCP
/// listener beside it does). Returns the descriptor, or -1 with errno set. A receive
/// blocked on it returns once shutdown(2) is called on it.
int cairn_datagram_socket_open(const struct sockaddr *address, socklen_t length, int receive_buffer);

/// Waits for at least one datagram and takes every one already queued, up to the capacity
/// (recvmmsg with MSG_WAITFORONE). Forgets the replies of the previous batch. Returns the
/// count: 0 or -1 with errno set after a shutdown(2) of the socket.
int cairn_datagram_receive(int fd, cairn_datagram_batch *batch);

/// The octets of received datagram `index` (cut at the slot size if it was longer).
const unsigned char *cairn_datagram_bytes(const cairn_datagram_batch *batch, unsigned index, size_t *length);
/// The sender of received datagram `index`.
const struct sockaddr *cairn_datagram_sender(const cairn_datagram_batch *batch, unsigned index,
                                             socklen_t *length);

/// Queues a copy of `bytes` as the reply to received datagram `index`. Returns 0, or -1 when
/// it does not fit a reply slot (send it with cairn_datagram_send_one).
int cairn_datagram_add_reply(cairn_datagram_batch *batch, unsigned index, const void *bytes, size_t length);
/// Sends the queued replies (sendmmsg, never blocking); a reply the kernel refuses is skipped.
/// Returns how many were sent.
int cairn_datagram_send_replies(int fd, cairn_datagram_batch *batch);
/// Sends `bytes` to the sender of received datagram `index` at once. Returns 0 or -1.
int cairn_datagram_send_one(int fd, const cairn_datagram_batch *batch, unsigned index, const void *bytes,
                            size_t length);

/// Asks the scheduler for a time slice of `nanoseconds` for the calling thread, policy and nice
/// value unchanged (sched_setattr(2), sched_runtime of SCHED_OTHER). Since Linux 6.12 (EEVDF) a
/// shorter slice gives the thread an earlier deadline, so its wake-up preempts a thread running
/// a longer one; earlier kernels ignore it. Needs no privilege. Returns 0, or -1 with errno set.
int cairn_thread_request_slice(unsigned long long nanoseconds);

/// Pins the calling thread to one CPU: the `slot`-th (modulo their count) of the CPUs it may run
/// on now, so threads given slots 0, 1, 2… of a cpuset or `taskset` land on its CPUs in order.
/// Returns that CPU's number, or -1 with errno set (the thread's affinity is then unchanged).
int cairn_thread_pin_to_allowed_cpu(unsigned slot);

/// Names the calling thread (at most 15 octets are kept), as `top -H` and /proc show it.
/// Returns 0 or an errno value.
int cairn_thread_set_name(const char *name);
#endif
