# gdb's backtrace of python3 running a script, from PyEval_EvalCode down:
# what t-ustack-python.sh and the VM's check_vm.py hold oomtrace's user
# stack of the same interpreter to
set debuginfod enabled off
set pagination off
break PyRun_SimpleStringFlags
run
break PyEval_EvalCode
continue
bt
kill
