# SPDX-License-Identifier: Apache-2.0
# The process the USDT tools trace (python3.11 has SDT probes): calls a
# function of a known name, allocates and collects, starts threads and
# locks a mutex, forever.
import gc, sys, threading, time

# Python 3.11 fires function__entry and __return only while a profile
# function is set (ucalls, uflow)
sys.setprofile(lambda frame, event, arg: None)


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
