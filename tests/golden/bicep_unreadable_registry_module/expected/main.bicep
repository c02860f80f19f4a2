// Registries deployed through remote modules whose source acr-fix does not have: each is a
// check by hand, not silence.
param location string = resourceGroup().location

// A module published to the team's own registry: the host name says nothing, the module name does
module acr 'br:contoso.azurecr.io/bicep/modules/containerregistry:v1' = {
  name: 'acr'
  params: {
    name: 'contosoacr'
    location: location
  }
}

// A template spec
module specAcr 'ts:00000000-0000-0000-0000-000000000000/platform-rg/acr:1.0' = {
  name: 'specAcr'
  params: {
    name: 'specacr'
  }
}

// CARML, published under its resource type
module carml 'br/modules:microsoft.containerregistry.registries:0.4.735' = {
  name: 'carml'
  params: {
    name: 'carmlacr'
  }
}

// acr-fix: ignore checked by hand: the platform module denies public access by default
module checked 'br:contoso.azurecr.io/bicep/modules/container-registry:v2' = {
  name: 'checked'
  params: {
    name: 'checkedacr'
  }
}

// Not registries: a module from a registry host named acr, image imports, a replica, a role assignment
module storage 'br:myacr.azurecr.io/bicep/modules/storage:v1' = {
  name: 'storage'
}

module importImage 'br/public:deployment-scripts/import-acr:3.0.1' = {
  name: 'importImage'
  params: {
    acrName: 'contosoacr'
    images: [
      'mcr.microsoft.com/k8se/quickstart-jobs:latest'
    ]
  }
}

module importAvm 'br/public:avm/ptn/deployment-script/import-image-to-acr:0.4.4' = {
  name: 'importAvm'
  params: {
    name: 'import'
    acrName: 'contosoacr'
    image: 'mcr.microsoft.com/k8se/quickstart-jobs:latest'
  }
}

module replica 'br:contoso.azurecr.io/bicep/modules/container-registry/replication:v1' = {
  name: 'replica'
}

module pullRole 'br:contoso.azurecr.io/bicep/modules/acr-pull-role:v1' = {
  name: 'pullRole'
}
