import NIOCore

/// Runs the Swift tasks that prefer it on one NIO event loop. A task that
/// awaits a request read on that loop then resumes on the thread that read
/// the answer. On the shared pool each such hop wakes a pool thread (and,
/// on Linux, libdispatch's manager thread); a monitor's refresh made three.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
