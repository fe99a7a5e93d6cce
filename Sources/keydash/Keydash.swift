import ArgumentParser
import CProcessHardening
import NIOCore
import NIOPosix
import WhyLabsAPI

@main
struct Keydash: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keydash",
        abstract: "Browse, create and revoke an organization's WhyLabs API keys.",
        discussion: """
            Connection settings come from flags, then WHYLABS_API_ENDPOINT, \
            WHYLABS_DEFAULT_ORG_ID and WHYLABS_API_KEY, then \
            $XDG_CONFIG_HOME/keydash/config.toml, then defaults. The API key is \
            never taken from a flag: use --api-key-file, the environment, the \
            config file (mode 600) or the prompt.

            \(ExitStatus.help)
            """,
        version: KeydashVersion.current,
        subcommands: [DashCommand.self, ListCommand.self, GetCommand.self, CreateCommand.self, RevokeCommand.self,
                      RotateCommand.self, RotationsCommand.self, CheckCommand.self, WatchCommand.self, ProfilesCommand.self, ServeCommand.self],
        defaultSubcommand: DashCommand.self
    )

    /// Every command may hold a key (the dashboard and CLI the user's, serve
    /// its admin key, create a new secret): no core dump may carry one.
    ///
    /// In the dashboard, which stays open, Swift concurrency runs its tasks
    /// on NIO's event loops, the threads that do the I/O: a request and the
    /// task awaiting it share a thread instead of waking one another's.
    /// Where the runtime is linked in (the installed binary) the hook cannot
    /// be found and this changes nothing. Set after parsing, before any task
    /// is started; a one-shot command skips the lookup.
    static func main() async {
        _ = kd_disable_core_dumps()
        do {
            var command = try parseAsRoot()
            if command is DashCommand {
                _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
