#if GUEST
using System.Collections.Generic;
using Kernel.Net.App;
using Kernel.Runtime;

namespace Kernel.Net.Guest
{
    /// <summary>
    /// A guest's settings: the fw_cfg file <c>opt/summoner/env</c> (Summoner's <c>[service.env]</c>
    /// and <c>summoner run --env</c>) first, then the kernel command line. A settings file that is
    /// too large or malformed stops the guest with a console line and <see cref="ExitCodes.BadSettings"/>.
    /// </summary>
    public static class GuestSettings
    {
        public const string FileName = "opt/summoner/env";

        private static Dictionary<string, string>? s_values;

        public static string? Get(string key)
        {
            Dictionary<string, string> values = s_values ??= Load();
            return values.TryGetValue(key, out string? v) ? v : CommandLine.Get(key);
        }

        /// <summary>Ends the guest over a bad setting: one line that names the problem (never a value), then the exit status.</summary>
        public static void Fail(string message)
        {
            SerialConsole.WriteLine("summoner: settings error: " + message);
            SerialConsole.WriteLine("summoner: exit status " + ExitCodes.BadSettings.ToString() + " (bad settings)");
            Power.Exit(ExitCodes.BadSettings);
        }

        private static Dictionary<string, string> Load()
        {
            byte[]? file = FirmwareConfig.ReadFile(FileName, ServiceSettings.MaxBytes, out bool tooLarge);
            if (tooLarge) Fail("the settings file is larger than " + ServiceSettings.MaxBytes.ToString() + " bytes");
            if (file is null) return new Dictionary<string, string>();
            try
            {
                return ServiceSettings.ParseFile(file);
            }
            catch (SettingException e)
            {
                Fail(e.Message);
                return new Dictionary<string, string>();
            }
        }
    }
}
#endif
