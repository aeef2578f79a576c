#!/usr/bin/env bash
# Puts the guard artifact (jar and POM) into a Maven repository with the layout of a remote one, for the
# builds the tests run. A snapshot gets a timestamped file name and snapshot metadata, as a deploy would
# write them: a build that uses this repository next to the usual local repository then resolves this
# build's guard, not an older one that `mvn install` left in the local repository. (maven-deploy-plugin
# would write the same, but refuses to run in offline mode, even to a file: URL.)
#
#   guard-repo.sh JAR POM REPOSITORY GROUP_ID ARTIFACT_ID VERSION
set -euo pipefail
jar=$1 pom=$2 repo=$3 group=$4 artifact=$5 version=$6

artifact_dir="$repo/${group//.//}/$artifact"
dir="$artifact_dir/$version"
mkdir -p "$dir"
now=$(date -u +%Y%m%d%H%M%S)

if [[ $version == *-SNAPSHOT ]]; then
  timestamp="${now:0:8}.${now:8:6}"
  file_version="${version%-SNAPSHOT}-$timestamp-1"
  cat > "$dir/maven-metadata.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>$group</groupId>
  <artifactId>$artifact</artifactId>
  <version>$version</version>
  <versioning>
    <snapshot>
      <timestamp>$timestamp</timestamp>
      <buildNumber>1</buildNumber>
    </snapshot>
    <lastUpdated>$now</lastUpdated>
    <snapshotVersions>
      <snapshotVersion>
        <extension>jar</extension>
        <value>$file_version</value>
        <updated>$now</updated>
      </snapshotVersion>
      <snapshotVersion>
        <extension>pom</extension>
        <value>$file_version</value>
        <updated>$now</updated>
      </snapshotVersion>
    </snapshotVersions>
  </versioning>
</metadata>
EOF
else
  file_version=$version
fi

cat > "$artifact_dir/maven-metadata.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>$group</groupId>
  <artifactId>$artifact</artifactId>
  <versioning>
    <latest>$version</latest>
    $([[ $version == *-SNAPSHOT ]] || echo "<release>$version</release>")
    <versions>
      <version>$version</version>
    </versions>
    <lastUpdated>$now</lastUpdated>
  </versioning>
</metadata>
EOF

cp "$jar" "$dir/$artifact-$file_version.jar"
cp "$pom" "$dir/$artifact-$file_version.pom"
for f in "$dir"/*.jar "$dir"/*.pom "$dir"/maven-metadata.xml "$artifact_dir"/maven-metadata.xml; do
  if [[ -f $f ]]; then sha1sum "$f" | cut -d' ' -f1 > "$f.sha1"; fi
done
