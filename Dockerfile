# syntax=docker/dockerfile:1
# Build: docker build -t location-server .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore layer: only project files and build settings, so it is cached until they change.
COPY global.json nuget.config Directory.Build.props Directory.Packages.props .editorconfig ./
COPY proto/ proto/
COPY src/LocationServer.Core/LocationServer.Core.csproj src/LocationServer.Core/
COPY src/LocationServer.Held/LocationServer.Held.csproj src/LocationServer.Held/
COPY src/LocationServer.Data/LocationServer.Data.csproj src/LocationServer.Data/
COPY src/LocationServer.Locating/LocationServer.Locating.csproj src/LocationServer.Locating/
COPY src/LocationServer.Routing/LocationServer.Routing.csproj src/LocationServer.Routing/
COPY src/LocationServer/LocationServer.csproj src/LocationServer/
RUN dotnet restore src/LocationServer/LocationServer.csproj
COPY src/ src/
RUN dotnet publish src/LocationServer/LocationServer.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_ENVIRONMENT=Production \
    Kestrel__Endpoints__Http__Url=http://0.0.0.0:8080 \
    Kestrel__Endpoints__Grpc__Url=http://0.0.0.0:8081 \
    Storage__DataDirectory=/var/lib/location-server
RUN mkdir -p /var/lib/location-server && chown 64198:64198 /var/lib/location-server
USER 64198:64198
EXPOSE 8080 8081
ENTRYPOINT ["dotnet", "LocationServer.dll"]
