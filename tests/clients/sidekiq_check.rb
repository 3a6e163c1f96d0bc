#!/usr/bin/ruby
# Sidekiq (Debian's ruby-sidekiq, with the ruby-redis client) against a
# follower of a running sandstore cluster.
#
# Usage (under cluster.py, which sets SS_FOLLOWER_PORT): ruby sidekiq_check.rb
#
# Pushes 200 jobs with Sidekiq::Client (LPUSH in MULTI with SADD queues), runs
# a Sidekiq processor (`sidekiq -r sidekiq_check.rb`, a subprocess) against the
# same follower (BRPOP on the queues, the heartbeat's MULTI/HSET/EXPIRE, the
# scheduled poller's ZRANGEBYSCORE), and checks that every job ran exactly
# once: each job INCRs its own counter and SADDs its number. This file is also
# the job's definition, required by the sidekiq process.
# Exit status 1 on any failure, 77 (CTest "skipped") when sidekiq is missing.
begin
  require 'sidekiq'
rescue LoadError => e
  puts "sidekiq_check: no sidekiq (#{e.message}); install Debian's ruby-sidekiq"
  exit 77
end
require 'logger'
# Sidekiq 6.4 calls ruby-redis 4.8's deprecated forms (sadd's boolean, brpop's timeout).
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

PORT = ENV.fetch('SS_FOLLOWER_PORT', '6379')
URL = "redis://127.0.0.1:#{PORT}/0".freeze
JOBS = 200
LATER = 10 # of which the last LATER go through the scheduled set (perform_in)

Sidekiq.configure_client { |c| c.redis = { url: URL } }
Sidekiq.configure_server do |c|
  c.redis = { url: URL }
  c.logger.level = Logger::WARN
  # The scheduled poller (ZRANGEBYSCORE ... LIMIT, ZREM) every second rather than every 5.
  c.options[:average_scheduled_poll_interval] = 1
end

class CheckJob
  include Sidekiq::Worker
  sidekiq_options retry: false

  def perform(i, token)
    Sidekiq.redis do |r|
      r.incr("ss:check:count:#{i}")
      r.sadd('ss:check:done', i.to_s)
      r.set("ss:check:token:#{i}", token)
    end
  end
end

def main
  failures = []
  Sidekiq.redis { |r| r.del('ss:check:done') }
  (JOBS - LATER).times { |i| CheckJob.perform_async(i, "t#{i}") }
  (JOBS - LATER...JOBS).each { |i| CheckJob.perform_in(1, i, "t#{i}") }
  queued = Sidekiq.redis { |r| [r.llen('queue:default'), r.zcard('schedule')] }
  if queued != [JOBS - LATER, LATER]
    failures << "queue:default and schedule hold #{queued} jobs after the pushes, " \
                "want #{[JOBS - LATER, LATER]}"
  end

  pid = Process.spawn('sidekiq', '-r', File.expand_path(__FILE__), '-c', '5', '-q', 'default',
                      '-t', '5', in: :close)
  deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 40
  done = 0
  loop do
    done = Sidekiq.redis { |r| r.scard('ss:check:done') }
    break if done >= JOBS || Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
    break if Process.waitpid(pid, Process::WNOHANG)
    sleep 0.2
  end
  begin
    Process.kill('TERM', pid)
    Process.wait(pid)
  rescue Errno::ESRCH, Errno::ECHILD
    nil
  end

  failures << "#{done} of #{JOBS} jobs ran" if done != JOBS
  Sidekiq.redis do |r|
    JOBS.times do |i|
      count = r.get("ss:check:count:#{i}")
      failures << "job #{i} ran #{count.inspect} times, want 1" if count != '1'
      token = r.get("ss:check:token:#{i}")
      failures << "job #{i} wrote #{token.inspect}, want \"t#{i}\"" if token != "t#{i}"
    end
    left = [r.llen('queue:default'), r.zcard('schedule')]
    failures << "queue:default and schedule still hold #{left} jobs" if left != [0, 0]
    queues = r.smembers('queues')
    failures << "queues is #{queues.inspect}, want [\"default\"]" if queues != ['default']
  end
  failures.first(30).each { |f| puts "FAIL: #{f}" }
  if failures.empty?
    puts "sidekiq_check: ok (#{JOBS} jobs, each ran exactly once)"
    0
  else
    puts "sidekiq_check: #{failures.size} failures"
    1
  end
end

exit main if $PROGRAM_NAME == __FILE__
