public enum GPPlotPlaceholder {}
