{ pkgs }: {
  deps = [
    pkgs.nodejs_20
    pkgs.bash
  ];
}
