enum _PlaceholderKeyDashTUI {}
