# SPDX-License-Identifier: Apache-2.0
# The process the USDT tools trace (python3.11 has SDT probes): calls a
# function of a known name, allocates and collects, starts threads and
# locks a mutex, forever.
import gc, threading, time


def bcc_corpus_work(n):
    return [str(i) for i in range(n)]


lock = threading.Lock()
while True:
    bcc_corpus_work(100)
    gc.collect()
    with lock:
        t = threading.Thread(target=bcc_corpus_work, args=(10,))
        t.start()
        t.join()
    time.sleep(0.05)
