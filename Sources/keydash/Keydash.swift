import ArgumentParser
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
        subcommands: [DashCommand.self, ListCommand.self, GetCommand.self, CreateCommand.self, RevokeCommand.self, ServeCommand.self],
        defaultSubcommand: DashCommand.self
    )
}
