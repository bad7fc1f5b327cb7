// The few system calls Node lacks, and nothing else. Every function is synchronous,
// throws an Error carrying `code` (the errno name) and `errno` on failure, and leaves
// policy (what to lock, when to retry) to the TypeScript side.
#include <napi.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <spawn.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <poll.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

const char *errno_name(int e) {
  switch (e) {
#define E(x) case x: return #x;
    E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF)
    E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV)
    E(ENODEV) E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY)
    E(EFBIG) E(ENOSPC) E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE) E(ERANGE) E(EDEADLK)
    E(ENAMETOOLONG) E(ENOLCK) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(ENOTSOCK)
    E(EADDRINUSE) E(EADDRNOTAVAIL) E(EAFNOSUPPORT) E(ECONNREFUSED) E(ENOTCONN)
    E(EOPNOTSUPP) E(EPROTONOSUPPORT) E(EMSGSIZE)
#undef E
    default: return "EUNKNOWN";
  }
}

Napi::Value fail(Napi::Env env, const char *syscall, int e) {
  Napi::Error err = Napi::Error::New(env, std::string(syscall) + ": " + strerror(e));
  err.Set("code", Napi::String::New(env, errno_name(e)));
  err.Set("errno", Napi::Number::New(env, e));
  err.Set("syscall", Napi::String::New(env, syscall));
  err.ThrowAsJavaScriptException();
  return env.Undefined();
}

int int_arg(const Napi::CallbackInfo &info, size_t i) {
  return info[i].As<Napi::Number>().Int32Value();
}

short lock_type(const std::string &t) {
  if (t == "r") return F_RDLCK;
  if (t == "w") return F_WRLCK;
  return F_UNLCK;
}

// lock(fd, type 'r'|'w'|'u', wait): true when taken, false when held elsewhere (no wait).
Napi::Value Lock(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = int_arg(info, 0);
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = lock_type(info[1].As<Napi::String>().Utf8Value());
  fl.l_whence = SEEK_SET;
  bool wait = info[2].ToBoolean();
  int r;
  do r = fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl); while (r == -1 && errno == EINTR);
  if (r == -1) {
    if (!wait && (errno == EAGAIN || errno == EACCES)) return Napi::Boolean::New(env, false);
    return fail(env, "fcntl", errno);
  }
  return Napi::Boolean::New(env, true);
}

// lockHolder(fd, type): pid of a process whose lock conflicts with `type`, or 0.
Napi::Value LockHolder(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = lock_type(info[1].As<Napi::String>().Utf8Value());
  fl.l_whence = SEEK_SET;
  if (fcntl(int_arg(info, 0), F_GETLK, &fl) == -1) return fail(env, "fcntl", errno);
  return Napi::Number::New(env, fl.l_type == F_UNLCK ? 0 : fl.l_pid);
}

Napi::Value Mkfifo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (mkfifo(path.c_str(), (mode_t)int_arg(info, 1)) == -1) return fail(env, "mkfifo", errno);
  return env.Undefined();
}

// pipe(cloexec): [readFd, writeFd]
Napi::Value Pipe(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int p[2];
  if (pipe2(p, info[0].ToBoolean() ? O_CLOEXEC : 0) == -1) return fail(env, "pipe2", errno);
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, p[0]);
  a.Set(1u, p[1]);
  return a;
}

Napi::Value SetFdFlag(const Napi::CallbackInfo &info, int getcmd, int setcmd, int flag) {
  Napi::Env env = info.Env();
  int fd = int_arg(info, 0);
  int f = fcntl(fd, getcmd);
  if (f == -1) return fail(env, "fcntl", errno);
  int nf = info[1].ToBoolean() ? (f | flag) : (f & ~flag);
  if (nf != f && fcntl(fd, setcmd, nf) == -1) return fail(env, "fcntl", errno);
  return env.Undefined();
}

Napi::Value SetCloexec(const Napi::CallbackInfo &info) { return SetFdFlag(info, F_GETFD, F_SETFD, FD_CLOEXEC); }
Napi::Value SetNonblock(const Napi::CallbackInfo &info) { return SetFdFlag(info, F_GETFL, F_SETFL, O_NONBLOCK); }

Napi::Value Dup2(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int r;
  do r = dup2(int_arg(info, 0), int_arg(info, 1)); while (r == -1 && errno == EINTR);
  if (r == -1) return fail(env, "dup2", errno);
  return Napi::Number::New(env, r);
}

// dup(fd, minFd, cloexec): a new descriptor >= minFd
Napi::Value Dup(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int r = fcntl(int_arg(info, 0), info[2].ToBoolean() ? F_DUPFD_CLOEXEC : F_DUPFD, int_arg(info, 1));
  if (r == -1) return fail(env, "fcntl", errno);
  return Napi::Number::New(env, r);
}

bool fill_sockaddr(Napi::Env env, const std::string &family, const std::string &addr, int port,
                   sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (family == "unix") {
    sockaddr_un *sun = reinterpret_cast<sockaddr_un *>(ss);
    if (addr.size() >= sizeof sun->sun_path) { fail(env, "bind", ENAMETOOLONG); return false; }
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, addr.c_str(), addr.size() + 1);
    *len = sizeof(sockaddr_un);
  } else if (family == "ipv6") {
    sockaddr_in6 *s6 = reinterpret_cast<sockaddr_in6 *>(ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, addr.c_str(), &s6->sin6_addr) != 1) { fail(env, "inet_pton", EINVAL); return false; }
    *len = sizeof(sockaddr_in6);
  } else {
    sockaddr_in *s4 = reinterpret_cast<sockaddr_in *>(ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr.c_str(), &s4->sin_addr) != 1) { fail(env, "inet_pton", EINVAL); return false; }
    *len = sizeof(sockaddr_in);
  }
  return true;
}

// listen(family 'ipv4'|'ipv6'|'unix', address, port, backlog, reuseAddr): a listening
// socket fd, close-on-exec and blocking, on which nobody in this process accepts.
Napi::Value Listen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string family = info[0].As<Napi::String>().Utf8Value();
  std::string addr = info[1].As<Napi::String>().Utf8Value();
  int port = int_arg(info, 2), backlog = int_arg(info, 3);
  bool reuse = info[4].ToBoolean();
  sockaddr_storage ss;
  socklen_t len;
  if (!fill_sockaddr(env, family, addr, port, &ss, &len)) return env.Undefined();
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1) return fail(env, "socket", errno);
  int one = 1;
  if (reuse && family != "unix" && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1) {
    int e = errno; close(fd); return fail(env, "setsockopt", e);
  }
  if (family == "ipv6") setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr *>(&ss), len) == -1) { int e = errno; close(fd); return fail(env, "bind", e); }
  if (listen(fd, backlog) == -1) { int e = errno; close(fd); return fail(env, "listen", e); }
  return Napi::Number::New(env, fd);
}

// bindDgram(path): a bound, non-blocking, close-on-exec UNIX datagram socket (sd_notify's
// NOTIFY_SOCKET). A path starting with '@' names an abstract socket (no file).
Napi::Value BindDgram(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  sockaddr_un sun;
  memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sun.sun_path) return fail(env, "bind", ENAMETOOLONG);
  memcpy(sun.sun_path, path.c_str(), path.size());
  socklen_t len = sizeof sun;
  if (path[0] == '@') {
    sun.sun_path[0] = 0;
    len = (socklen_t)(offsetof(sockaddr_un, sun_path) + path.size());
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd == -1) return fail(env, "socket", errno);
  if (bind(fd, reinterpret_cast<sockaddr *>(&sun), len) == -1) { int e = errno; close(fd); return fail(env, "bind", e); }
  return Napi::Number::New(env, fd);
}

// localPort(fd): the port a bound inet socket got (for port 0)
Napi::Value LocalPort(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(int_arg(info, 0), reinterpret_cast<sockaddr *>(&ss), &len) == -1) return fail(env, "getsockname", errno);
  if (ss.ss_family == AF_INET) return Napi::Number::New(env, ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port));
  if (ss.ss_family == AF_INET6) return Napi::Number::New(env, ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port));
  return Napi::Number::New(env, 0);
}

// connectUnix(path): a connected, blocking, close-on-exec UNIX stream socket
Napi::Value ConnectUnix(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  sockaddr_storage ss;
  socklen_t len;
  if (!fill_sockaddr(env, "unix", info[0].As<Napi::String>().Utf8Value(), 0, &ss, &len)) return env.Undefined();
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1) return fail(env, "socket", errno);
  int r;
  do r = connect(fd, reinterpret_cast<sockaddr *>(&ss), len); while (r == -1 && errno == EINTR);
  if (r == -1) { int e = errno; close(fd); return fail(env, "connect", e); }
  return Napi::Number::New(env, fd);
}

// sendFds(sock, data Buffer, fds[]): one sendmsg with SCM_RIGHTS; returns bytes sent
Napi::Value SendFds(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int sock = int_arg(info, 0);
  Napi::Buffer<char> data = info[1].As<Napi::Buffer<char>>();
  Napi::Array arr = info[2].As<Napi::Array>();
  std::vector<int> fds;
  for (uint32_t i = 0; i < arr.Length(); i++) fds.push_back(arr.Get(i).As<Napi::Number>().Int32Value());
  iovec iov = {data.Data(), data.Length()};
  msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> ctl(CMSG_SPACE(sizeof(int) * (fds.empty() ? 1 : fds.size())));
  if (!fds.empty()) {
    msg.msg_control = ctl.data();
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t r;
  do r = sendmsg(sock, &msg, MSG_NOSIGNAL); while (r == -1 && errno == EINTR);
  if (r == -1) return fail(env, "sendmsg", errno);
  return Napi::Number::New(env, (double)r);
}

// recvFds(sock, maxBytes): { data, fds } (fds close-on-exec), or null on EAGAIN
Napi::Value RecvFds(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int sock = int_arg(info, 0);
  size_t max = (size_t)int_arg(info, 1);
  std::vector<char> buf(max ? max : 1);
  iovec iov = {buf.data(), buf.size()};
  char ctl[CMSG_SPACE(sizeof(int) * 16)];
  msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl;
  msg.msg_controllen = sizeof ctl;
  ssize_t r;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT); while (r == -1 && errno == EINTR);
  if (r == -1) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return env.Null();
    return fail(env, "recvmsg", errno);
  }
  Napi::Array fds = Napi::Array::New(env);
  uint32_t n = 0;
  for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    int *p = reinterpret_cast<int *>(CMSG_DATA(c));
    for (size_t i = 0; i < count; i++) fds.Set(n++, p[i]);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<char>::Copy(env, buf.data(), (size_t)r));
  out.Set("fds", fds);
  return out;
}

// waitpid(pid, noHang): [pid, rawStatus] or null when nothing changed (noHang)
Napi::Value Waitpid(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int status = 0;
  pid_t r;
  do r = waitpid(int_arg(info, 0), &status, info[1].ToBoolean() ? WNOHANG : 0); while (r == -1 && errno == EINTR);
  if (r == -1) return fail(env, "waitpid", errno);
  if (r == 0) return env.Null();
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, (double)r);
  a.Set(1u, status);
  return a;
}

// The reaper's batch. Pids the reaper owns are "claimed" here, so one call can reap every
// exited child that is ours without a round trip to JavaScript per pid. Children libuv started
// (child_process) are not claimed: libuv reaps them itself with waitpid(pid) and never learns
// of a status stolen from it, so the loop only peeks (waitid WNOWAIT) at the first exited child
// and reaps it only when it is claimed, or when it is `orphan`, a foreign pid the caller has
// already seen exited across a whole event-loop turn (libuv had its chance: an orphan that
// PID 1 or a subreaper inherited). It stops at the first other pid and returns it as
// `blocked`: the caller retries once libuv has reaped it.
std::unordered_set<pid_t> claimed;

Napi::Value Claim(const Napi::CallbackInfo &info) {
  pid_t pid = int_arg(info, 0);
  if (info[1].ToBoolean()) claimed.insert(pid); else claimed.erase(pid);
  return info.Env().Undefined();
}

// reapBatch(orphan): { reaped: [pid, rawStatus, ...] flat, blocked: pid | 0 }
Napi::Value ReapBatch(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  pid_t orphan = int_arg(info, 0);
  std::vector<int> out;
  pid_t blocked = 0;
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r;
    do r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT); while (r == -1 && errno == EINTR);
    if (r == -1 || si.si_pid == 0) break; // ECHILD: no child at all; 0: none has exited
    pid_t pid = si.si_pid;
    if (!claimed.count(pid) && pid != orphan) { blocked = pid; break; }
    int status = 0;
    pid_t w;
    do w = waitpid(pid, &status, WNOHANG); while (w == -1 && errno == EINTR);
    if (w <= 0) { blocked = pid; break; } // someone else reaped it between the two calls
    claimed.erase(pid);
    if (pid == orphan) orphan = 0;
    out.push_back(pid);
    out.push_back(status);
  }
  Napi::Array a = Napi::Array::New(env, out.size());
  for (size_t i = 0; i < out.size(); i++) a.Set((uint32_t)i, out[i]);
  Napi::Object o = Napi::Object::New(env);
  o.Set("reaped", a);
  o.Set("blocked", (double)blocked);
  return o;
}

// setSubreaper(on): prctl(PR_SET_CHILD_SUBREAPER); orphans of our descendants come to us.
Napi::Value SetSubreaper(const Napi::CallbackInfo &info) {
  if (prctl(PR_SET_CHILD_SUBREAPER, info[0].ToBoolean() ? 1 : 0, 0, 0, 0) == -1) return fail(info.Env(), "prctl", errno);
  return info.Env().Undefined();
}

Napi::Value Sync(const Napi::CallbackInfo &info) {
  sync();
  return info.Env().Undefined();
}

Napi::Value IsSubreaper(const Napi::CallbackInfo &info) {
  int on = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) == -1) return fail(info.Env(), "prctl", errno);
  return Napi::Boolean::New(info.Env(), on != 0);
}

// execve(path, argv[], env[]): replaces the process; descriptors without close-on-exec
// survive. Signal dispositions and the mask are reset first, as a fresh program expects.
Napi::Value Execve(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::vector<std::string> av, ev;
  Napi::Array a = info[1].As<Napi::Array>(), e = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) av.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  for (uint32_t i = 0; i < e.Length(); i++) ev.push_back(e.Get(i).As<Napi::String>().Utf8Value());
  std::vector<char *> avp, evp;
  for (auto &s : av) avp.push_back(const_cast<char *>(s.c_str()));
  for (auto &s : ev) evp.push_back(const_cast<char *>(s.c_str()));
  avp.push_back(nullptr);
  evp.push_back(nullptr);
  // A fresh program expects default dispositions and an empty mask; if the exec fails, Node
  // must get its own handlers back (libuv's SIGCHLD, the profiler's SIGPROF, SIGPIPE ignored).
  struct sigaction saved[NSIG];
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigset_t none, oldmask;
  sigemptyset(&none);
  for (int s = 1; s < NSIG; s++) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    sigaction(s, &dfl, &saved[s]);
  }
  sigprocmask(SIG_SETMASK, &none, &oldmask);
  // Node marks the standard descriptors close-on-exec; the next program needs them
  for (int fd = 0; fd <= 2; fd++) {
    int f = fcntl(fd, F_GETFD);
    if (f >= 0 && (f & FD_CLOEXEC)) fcntl(fd, F_SETFD, f & ~FD_CLOEXEC);
  }
  execve(path.c_str(), avp.data(), evp.data());
  int err = errno;
  for (int s = 1; s < NSIG; s++) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    sigaction(s, &saved[s], nullptr);
  }
  sigprocmask(SIG_SETMASK, &oldmask, nullptr);
  return fail(env, "execve", err);
}

// spawn(path, argv[], env[], cwd | null, fds[], setsid): pid. posix_spawn (glibc: clone with
// CLONE_VFORK, no copy of the parent's page tables), so starting a service costs the same from a
// large process as from a small one. Child fd i gets parent fd fds[i] (-1: closed); other fds
// follow their close-on-exec flag. Signal mask empty, every disposition default, as a new
// program expects. Exec failures are reported here (ENOENT, EACCES…), not as an exit 127.
struct SpawnRequest {
  std::string path, cwd;
  bool hasCwd = false, setsid = false;
  std::vector<std::string> argv;
  std::vector<int> fds;
  int result = 0;  // pid, or -errno
};

std::vector<std::string> strings(const Napi::Value &v) {
  std::vector<std::string> out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

std::vector<char *> pointers(const std::vector<std::string> &v) {
  std::vector<char *> p;
  for (auto &x : v) p.push_back(const_cast<char *>(x.c_str()));
  p.push_back(nullptr);
  return p;
}

SpawnRequest request_from(const Napi::Value &path, const Napi::Value &argv, const Napi::Value &cwd,
                          const Napi::Value &fds, const Napi::Value &setsid) {
  SpawnRequest r;
  r.path = path.As<Napi::String>().Utf8Value();
  r.argv = strings(argv);
  r.hasCwd = cwd.IsString();
  if (r.hasCwd) r.cwd = cwd.As<Napi::String>().Utf8Value();
  Napi::Array f = fds.As<Napi::Array>();
  for (uint32_t i = 0; i < f.Length(); i++) r.fds.push_back(f.Get(i).As<Napi::Number>().Int32Value());
  r.setsid = setsid.ToBoolean();
  return r;
}

// No JavaScript value is touched here: batches run it from several threads.
int spawn_one(const SpawnRequest &r, char *const *envp) {
  // A program that is not there (a service without ./finish, at every death) fails here, not
  // in the child: a failed exec costs a whole clone, whose copy of our descriptor table grows
  // with the number of services (~6 ms at 2,000 services), then a wait for that child.
  if (!r.path.empty()) {
    std::string full = r.path[0] == '/' || !r.hasCwd ? r.path : r.cwd + "/" + r.path;
    if (access(full.c_str(), F_OK) == -1 && errno == ENOENT) return -ENOENT;
  }
  std::vector<char *> avp = pointers(r.argv);
  // Sources are first copied above every target, so that a mapping like 0<-5, 5<-0 works.
  std::vector<int> temps;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  int err = 0;
  int n = (int)r.fds.size();
  for (int i = 0; i < n && !err; i++) {
    if (r.fds[i] < 0) { posix_spawn_file_actions_addclose(&fa, i); continue; }
    int t = fcntl(r.fds[i], F_DUPFD_CLOEXEC, n > 10 ? n : 10);
    if (t < 0) { err = errno; break; }
    temps.push_back(t);
    posix_spawn_file_actions_adddup2(&fa, t, i);
  }
  if (!err && r.hasCwd) err = posix_spawn_file_actions_addchdir_np(&fa, r.cwd.c_str());
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (r.setsid) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&at, flags);
  pid_t pid = -1;
  if (!err) err = posix_spawn(&pid, r.path.c_str(), &fa, &at, avp.data(), envp);
  posix_spawnattr_destroy(&at);
  posix_spawn_file_actions_destroy(&fa);
  for (int t : temps) close(t);
  return err ? -err : pid;
}

Napi::Value Spawn(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  SpawnRequest r = request_from(info[0], info[1], info[3], info[4], info[5]);
  std::vector<std::string> ev = strings(info[2]);
  std::vector<char *> evp = pointers(ev);
  int res = spawn_one(r, evp.data());
  if (res < 0) return fail(env, "posix_spawn", -res);
  return Napi::Number::New(env, res);
}

// spawnMany(requests[], env[]): each request is [path, argv, cwd, fds, setsid]; returns one pid
// or -errno per request. The spawns run from a few threads at once: posix_spawn waits for the
// child's exec, and a scan that starts hundreds of services would otherwise wait for each in turn.
Napi::Value SpawnMany(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array reqs = info[0].As<Napi::Array>();
  std::vector<SpawnRequest> rs;
  for (uint32_t i = 0; i < reqs.Length(); i++) {
    Napi::Array q = reqs.Get(i).As<Napi::Array>();
    rs.push_back(request_from(q.Get(0u), q.Get(1u), q.Get(2u), q.Get(3u), q.Get(4u)));
  }
  std::vector<std::string> ev = strings(info[1]);
  std::vector<char *> evp = pointers(ev);
  std::atomic<size_t> next(0);
  auto worker = [&]() {
    for (size_t i; (i = next++) < rs.size();) rs[i].result = spawn_one(rs[i], evp.data());
  };
  size_t nthreads = std::min<size_t>(4, rs.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < nthreads; t++) threads.emplace_back(worker);
  worker();
  for (auto &t : threads) t.join();
  Napi::Array out = Napi::Array::New(env, rs.size());
  for (size_t i = 0; i < rs.size(); i++) out.Set((uint32_t)i, rs[i].result);
  return out;
}

// trimCode(): drops this process's resident copies of file-backed read-only pages (code and
// constants: r-xp and r--p mappings with no private modified page), most of which only served
// start-up. They were never written, so the kernel maps them again from the page cache when
// they are used. A mapping holding any copied-on-write page (relocations) is left alone.
// Returns the kB of mappings released.
Napi::Value TrimCode(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f) return fail(env, "fopen", errno);
  char line[4096];
  unsigned long total = 0, lo = 0, hi = 0;
  bool candidate = false;
  while (fgets(line, sizeof line, f)) {
    unsigned long a, b;
    char perms[8] = {0};
    int path = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &a, &b, perms, &path) >= 3 && strchr(line, '-') < strchr(line, ' ')) {
      lo = a; hi = b;
      candidate = (!strcmp(perms, "r-xp") || !strcmp(perms, "r--p")) && path && line[path] == '/';
      continue;
    }
    unsigned long kb;
    if (candidate && sscanf(line, "Anonymous: %lu kB", &kb) == 1) {
      if (kb == 0 && madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0) total += (hi - lo) / 1024;
      candidate = false;
    }
  }
  fclose(f);
  return Napi::Number::New(env, (double)total);
}

// realtime(): [seconds, nanoseconds] of CLOCK_REALTIME, at full resolution
Napi::Value Realtime(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, (double)ts.tv_sec);
  a.Set(1u, (double)ts.tv_nsec);
  return a;
}

// strerror(errno): the C library's text, as s6's messages print it
Napi::Value Strerror(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), strerror(int_arg(info, 0)));
}

// splice(fd_in, fd_out at offset off): moves up to len bytes from a pipe into a file without
// blocking on the pipe. One system call: a process killed around it has either moved the
// bytes (they are in the file and gone from the pipe) or not. Returns the count moved, 0 at
// end of input, -EAGAIN when the pipe is empty.
Napi::Value Splice(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int in = int_arg(info, 0), out = int_arg(info, 1);
  loff_t off = (loff_t)info[2].As<Napi::Number>().Int64Value();
  size_t len = (size_t)info[3].As<Napi::Number>().Int64Value();
  ssize_t r;
  do r = splice(in, nullptr, out, &off, len, SPLICE_F_NONBLOCK); while (r == -1 && errno == EINTR);
  if (r == -1) {
    if (errno == EAGAIN) return Napi::Number::New(env, -EAGAIN);
    return fail(env, "splice", errno);
  }
  return Napi::Number::New(env, (double)r);
}

// A descriptor watched for readability on Node's own event loop (a uv_poll_t): the callback
// runs each loop turn the descriptor is readable, and nothing is read for it.
struct Watch {
  uv_poll_t poll;
  napi_env env;
  Napi::FunctionReference cb;
  int id;
};
std::unordered_map<int, Watch *> watches;
int next_watch = 1;

void on_poll(uv_poll_t *h, int status, int events) {
  Watch *w = static_cast<Watch *>(h->data);
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  w->cb.MakeCallback(env.Global(), {Napi::Number::New(env, status), Napi::Number::New(env, events)});
}

Napi::Value WatchReadable(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uv_loop_t *loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) return fail(env, "uv_poll_init", EINVAL);
  Watch *w = new Watch();
  w->env = env;
  int r = uv_poll_init(loop, &w->poll, int_arg(info, 0));
  if (r < 0) { delete w; return fail(env, "uv_poll_init", -r); }
  w->poll.data = w;
  w->cb = Napi::Persistent(info[1].As<Napi::Function>());
  r = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (r < 0) {
    uv_close(reinterpret_cast<uv_handle_t *>(&w->poll), [](uv_handle_t *h) { delete static_cast<Watch *>(h->data); });
    return fail(env, "uv_poll_start", -r);
  }
  w->id = next_watch++;
  watches[w->id] = w;
  return Napi::Number::New(env, w->id);
}

// unwatch(id, pause): pause stops the callbacks and keeps the watch (resume with rewatch);
// otherwise the watch is closed for good.
Napi::Value Unwatch(const Napi::CallbackInfo &info) {
  auto it = watches.find(int_arg(info, 0));
  if (it == watches.end()) return info.Env().Undefined();
  Watch *w = it->second;
  uv_poll_stop(&w->poll);
  if (!info[1].ToBoolean()) {
    watches.erase(it);
    w->cb.Reset();
    uv_close(reinterpret_cast<uv_handle_t *>(&w->poll), [](uv_handle_t *h) { delete static_cast<Watch *>(h->data); });
  }
  return info.Env().Undefined();
}

Napi::Value Rewatch(const Napi::CallbackInfo &info) {
  auto it = watches.find(int_arg(info, 0));
  if (it == watches.end()) return info.Env().Undefined();
  int r = uv_poll_start(&it->second->poll, UV_READABLE, on_poll);
  if (r < 0) return fail(info.Env(), "uv_poll_start", -r);
  return info.Env().Undefined();
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434  // the same number on every Linux architecture
#endif

// pidfdOpen(pid): a descriptor of the process that becomes readable when it exits (Linux >=
// 5.3, any process, not only a child); ENOSYS on older kernels. Close-on-exec.
Napi::Value PidfdOpen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = (int)syscall(SYS_pidfd_open, (pid_t)int_arg(info, 0), 0);
  if (fd == -1) return fail(env, "pidfd_open", errno);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return Napi::Number::New(env, fd);
}

// pollReadable(fds[], timeoutMs): blocks in poll(2) until one of fds is readable (or hung up),
// at most timeoutMs (-1: no limit); returns the ready fds ([] at the timeout or on EINTR). For
// one-shot commands that have nothing else to do while they wait.
Napi::Value PollReadable(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array in = info[0].As<Napi::Array>();
  std::vector<pollfd> p(in.Length());
  for (uint32_t i = 0; i < in.Length(); i++) p[i] = {in.Get(i).As<Napi::Number>().Int32Value(), POLLIN, 0};
  int r = poll(p.data(), p.size(), int_arg(info, 1));
  if (r == -1 && errno != EINTR) return fail(env, "poll", errno);
  Napi::Array out = Napi::Array::New(env);
  uint32_t k = 0;
  for (auto &x : p) if (r > 0 && x.revents) out.Set(k++, x.fd);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("pollReadable", Napi::Function::New(env, PollReadable));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen));
  exports.Set("realtime", Napi::Function::New(env, Realtime));
  exports.Set("spawn", Napi::Function::New(env, Spawn));
  exports.Set("spawnMany", Napi::Function::New(env, SpawnMany));
  exports.Set("trimCode", Napi::Function::New(env, TrimCode));
  exports.Set("strerror", Napi::Function::New(env, Strerror));
  exports.Set("lock", Napi::Function::New(env, Lock));
  exports.Set("lockHolder", Napi::Function::New(env, LockHolder));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo));
  exports.Set("pipe", Napi::Function::New(env, Pipe));
  exports.Set("setCloexec", Napi::Function::New(env, SetCloexec));
  exports.Set("setNonblock", Napi::Function::New(env, SetNonblock));
  exports.Set("dup2", Napi::Function::New(env, Dup2));
  exports.Set("dup", Napi::Function::New(env, Dup));
  exports.Set("listen", Napi::Function::New(env, Listen));
  exports.Set("localPort", Napi::Function::New(env, LocalPort));
  exports.Set("bindDgram", Napi::Function::New(env, BindDgram));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix));
  exports.Set("sendFds", Napi::Function::New(env, SendFds));
  exports.Set("recvFds", Napi::Function::New(env, RecvFds));
  exports.Set("waitpid", Napi::Function::New(env, Waitpid));
  exports.Set("claim", Napi::Function::New(env, Claim));
  exports.Set("reapBatch", Napi::Function::New(env, ReapBatch));
  exports.Set("setSubreaper", Napi::Function::New(env, SetSubreaper));
  exports.Set("isSubreaper", Napi::Function::New(env, IsSubreaper));
  exports.Set("sync", Napi::Function::New(env, Sync));
  exports.Set("execve", Napi::Function::New(env, Execve));
  exports.Set("splice", Napi::Function::New(env, Splice));
  exports.Set("watchReadable", Napi::Function::New(env, WatchReadable));
  exports.Set("unwatch", Napi::Function::New(env, Unwatch));
  exports.Set("rewatch", Napi::Function::New(env, Rewatch));
  return exports;
}

}  // namespace

NODE_API_MODULE(hexad, Init)
