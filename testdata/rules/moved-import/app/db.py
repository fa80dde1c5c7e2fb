other = 1
unrelated = 2
