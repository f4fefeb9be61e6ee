"""Reach a container that has no network (`--network none`) from the host, over loopback only.

A container started with `--network none` has only its own loopback interface, and a port
cannot be published from it. This forwarder listens on 127.0.0.1:LOCAL_PORT in the host's
network namespace and, for each connection, opens one to 127.0.0.1:PORT inside the
container's network namespace (/proc/PID/ns/net), then copies bytes both ways (plain TCP, so
HTTP and websockets both pass). The container keeps no route out; only this process, on the
host, bridges the two loopbacks. Needs root (setns into another namespace); Linux only.

    python deploy/netns_forward.py $(podman inspect -f '{{.State.Pid}}' CONTAINER) 8501 --listen 18501

The same with socat: socat TCP-LISTEN:18501,bind=127.0.0.1,fork,reuseaddr \
    EXEC:"nsenter --net=/proc/PID/ns/net socat STDIO TCP\\:127.0.0.1\\:8501"
"""

from __future__ import annotations

import argparse
import ctypes
import os
import socket
import threading

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def connect_in_netns(netns: str, port: int, host: str = "127.0.0.1", timeout: float = 10) -> socket.socket:
    """A TCP connection to host:port made inside the network namespace at `netns`.

    setns() switches only the calling thread, so a short-lived thread does it: the socket
    keeps the namespace it was created in, and no other thread ever changes namespace.
    """
    result: dict[str, object] = {}

    def work() -> None:
        try:
            fd = os.open(netns, os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns({netns}): {os.strerror(err)}")
            finally:
                os.close(fd)
            result["sock"] = socket.create_connection((host, port), timeout=timeout)
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            result["error"] = err

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    sock = result["sock"]
    sock.settimeout(None)  # type: ignore[union-attr]
    return sock  # type: ignore[return-value]


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


class Forwarder:
    """Listen on 127.0.0.1:listen_port (0: any free port) and forward into the namespace."""

    def __init__(self, netns: str, port: int, listen_port: int = 0, listen_host: str = "127.0.0.1"):
        self.netns, self.port = netns, port
        self.server = socket.create_server((listen_host, listen_port), reuse_port=False)
        self.address = self.server.getsockname()
        self.connections = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.address[0]}:{self.address[1]}"

    def start(self) -> Forwarder:
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            upstream = connect_in_netns(self.netns, self.port)
        except OSError:
            client.close()
            return
        self.connections += 1
        a = threading.Thread(target=_pump, args=(client, upstream), daemon=True)
        b = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        a.start(), b.start()
        a.join(), b.join()
        client.close()
        upstream.close()

    def stop(self) -> None:
        self._stopped.set()
        self.server.close()

    def __enter__(self) -> Forwarder:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("pid", help="PID of a process in the container (podman inspect -f '{{.State.Pid}}' NAME)")
    p.add_argument("port", type=int, help="port inside the container")
    p.add_argument("--listen", type=int, default=0, help="port on the host's 127.0.0.1 (default: any free port)")
    args = p.parse_args()
    fwd = Forwarder(f"/proc/{args.pid}/ns/net", args.port, args.listen).start()
    print(f"forwarding {fwd.url} -> container {args.pid} 127.0.0.1:{args.port} (Ctrl+C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fwd.stop()


if __name__ == "__main__":
    main()
