# bench/sweep.gp: draws one command's sweep from bench/run.sh -g.
# gnuplot -e "dat='sweep.dat'; test='SET'; out='sweep-set.png'; clients=50" sweep.gp
# Four panels: throughput and p99 latency against pipeline depth (at `clients`
# connections) and against the number of clients (at pipeline 1), one line
# per system, both axes logarithmic.
set terminal pngcairo size 1200,900 font ",10"
set output out
set datafile commentschars "#"
set logscale x 2
set logscale y
set grid
set key top left
set multiplot layout 2,2 title sprintf("%s: redis-server (appendfsync always) vs sandstore (raft-fsync always), loopback, 2 cores", test)
sel(sys, axis) = sprintf("< awk '$1 == \"%s\" && $2 == \"%s\" && $3 == \"%s\"' %s", test, sys, axis, dat)
systems = "redis single cluster"
names = "'redis' 'sandstore, 1 node' 'sandstore, 3 nodes'"
set xtics (1, 4, 16, 64)
set xrange [0.8:80]

set title sprintf("throughput, %d clients", clients)
set xlabel "pipeline depth"
set ylabel "requests/s"
plot for [i=1:3] sel(word(systems, i), "pipeline") using 4:5 with linespoints lw 2 title word(names, i)

set title sprintf("p99 latency, %d clients", clients)
set ylabel "p99 latency (ms)"
plot for [i=1:3] sel(word(systems, i), "pipeline") using 4:7 with linespoints lw 2 title word(names, i)

set title "throughput, pipeline 1"
set xlabel "clients"
set ylabel "requests/s"
plot for [i=1:3] sel(word(systems, i), "clients") using 4:5 with linespoints lw 2 title word(names, i)

set title "p99 latency, pipeline 1"
set ylabel "p99 latency (ms)"
plot for [i=1:3] sel(word(systems, i), "clients") using 4:7 with linespoints lw 2 title word(names, i)
unset multiplot
