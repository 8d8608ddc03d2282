#!/usr/bin/env python3
"""The classic two-thread UDP chat program this project grew from, as the exercise writes it.

usage: classic_chat.py MY_IP MY_PORT FRIEND_IP FRIEND_PORT

It binds its own address, receives on a second thread with recvfrom(1024) and a *strict* UTF-8
decode, prints what arrives, sends each line typed on stdin (without the newline, as the classic
script does), and stops on the quit words. Two additions make it testable, and nothing else:
  * when the receive thread dies, it says so on stdout ("RECEIVE THREAD DIED: ...") and stderr;
  * when it stops, it prints whether the receive thread is still alive ("RECEIVE THREAD ALIVE").
Lines are flushed at once so a test can read them as they come.
"""
import socket
import sys
import threading

QUIT_WORDS = ("quit", "exit", "bye bye")


def main() -> int:
    my_ip, my_port, friend_ip, friend_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    family = socket.AF_INET6 if ":" in my_ip else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((my_ip, my_port))
    print(f"READY {my_ip}:{my_port}", flush=True)

    def receive() -> None:
        try:
            while True:
                data, _addr = sock.recvfrom(1024)
                msg = data.decode()  # strict: invalid UTF-8 raises UnicodeDecodeError and kills this thread
                print("Friend: " + msg, flush=True)
                if msg.strip().lower() in QUIT_WORDS:
                    print("FRIEND LEFT", flush=True)
        except OSError:
            return  # the socket was closed at the end
        except Exception as e:  # noqa: BLE001 - the point is to show any death
            print(f"RECEIVE THREAD DIED: {type(e).__name__}: {e}", flush=True)
            print(f"RECEIVE THREAD DIED: {type(e).__name__}: {e}", file=sys.stderr, flush=True)

    receiver = threading.Thread(target=receive, daemon=True)
    receiver.start()
    for line in sys.stdin:
        msg = line.rstrip("\n")
        sock.sendto(msg.encode(), (friend_ip, friend_port))
        if msg.strip().lower() in QUIT_WORDS:
            break
    print("RECEIVE THREAD ALIVE" if receiver.is_alive() else "RECEIVE THREAD DEAD", flush=True)
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
