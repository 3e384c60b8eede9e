bpf_trace_printk("a" "b\n" , 1); // x
#define M(x) struct x
#include "h.h"
